package io.fashionclassifier.serde;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fashionclassifier.serde.RegistryEntities.CompatibilityCheckResponse;
import io.fashionclassifier.serde.RegistryEntities.ConfigResponse;
import io.fashionclassifier.serde.RegistryEntities.ErrorMessage;
import io.fashionclassifier.serde.RegistryEntities.RegisterSchemaResponse;
import io.fashionclassifier.serde.RegistryEntities.SchemaRequest;
import io.fashionclassifier.serde.RegistryEntities.SchemaString;
import io.fashionclassifier.serde.RegistryEntities.SubjectVersion;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's REST API over {@link HttpClient}: one attempt per call, typed bodies bound by Jackson
 * ({@link RegistryEntities}), every answer that is not a 2xx turned into a {@link SchemaRegistryException} with the
 * registry's error_code.
 *
 * <p>An attempt tries each URL of {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL} once, starting with the last one that
 * answered, and gives each at most {@value AvroSerdeConfig#HTTP_READ_TIMEOUT_MS} for its whole answer, body included
 * (a registry that sends headers and then stalls cannot hold the caller), never past the caller's deadline. Answers
 * larger than {@link #MAX_ANSWER_BYTES} are refused. Credentials go only to the URLs they belong to
 * ({@link RegistryEndpoint}); sending them over plain http is warned about once per URL. Passwords are never part
 * of a message or log line.
 */
final class RegistryTransport implements RegistryApi {

  /** The largest answer read: far above any real schema, far below what could hurt the heap. */
  static final int MAX_ANSWER_BYTES = 8 << 20;
  /** Of an error answer only the start is shown, so less is read. */
  private static final int MAX_ERROR_BYTES = 64 << 10;
  private static final int MAX_MESSAGE_CHARS = 300;

  /** Ids are JSON integers: 12.5 is not id 12. Registries add fields over time, so unknown ones are ignored. */
  static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .build();

  private static final Logger log = LoggerFactory.getLogger(RegistryTransport.class);
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
  /** URLs already warned about, so the warning comes once per JVM however many serdes there are. */
  private static final Set<String> WARNED_PLAIN_HTTP = ConcurrentHashMap.newKeySet();

  private record Answer(int status, byte[] body, boolean truncated) {

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final List<RegistryEndpoint> endpoints;
  private final HttpClient http;
  private final Duration readTimeout;
  private volatile int preferredEndpoint;

  RegistryTransport(AvroSerdeConfig config) {
    this.endpoints = RegistryEndpoint.of(config);
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.connectTimeout());
    if (endpoints.stream().anyMatch(RegistryEndpoint::isHttps)) {
      builder.sslContext(RegistryTls.context(config));
    }
    this.http = builder.build();
    this.readTimeout = config.readTimeout();
    for (RegistryEndpoint endpoint : endpoints) {
      if (endpoint.sendsCredentialsInClear() && WARNED_PLAIN_HTTP.add(endpoint.toString())) {
        log.warn("Schema registry credentials for {} go over plain http, readable by anyone on the way: use an "
            + "https URL", endpoint);
      }
    }
  }

  @Override
  public RegisterSchemaResponse register(String subject, SchemaRequest request, long deadlineNanos) {
    return send("POST", "/subjects/" + encode(subject) + "/versions", request, RegisterSchemaResponse.class,
        deadlineNanos);
  }

  @Override
  public SubjectVersion lookUp(String subject, SchemaRequest request, long deadlineNanos) {
    return send("POST", "/subjects/" + encode(subject), request, SubjectVersion.class, deadlineNanos);
  }

  @Override
  public SchemaString schemaById(int id, long deadlineNanos) {
    return send("GET", "/schemas/ids/" + id, null, SchemaString.class, deadlineNanos);
  }

  @Override
  public SubjectVersion latestVersion(String subject, long deadlineNanos) {
    return send("GET", "/subjects/" + encode(subject) + "/versions/latest", null, SubjectVersion.class,
        deadlineNanos);
  }

  @Override
  public CompatibilityCheckResponse testCompatibility(String subject, SchemaRequest request, long deadlineNanos) {
    return send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", request,
        CompatibilityCheckResponse.class, deadlineNanos);
  }

  @Override
  public ConfigResponse config(String subject, long deadlineNanos) {
    return send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null, ConfigResponse.class,
        deadlineNanos);
  }

  private <T> T send(String method, String path, Object body, Class<T> type, long deadlineNanos) {
    Answer answer;
    try {
      answer = sendToAnyEndpoint(method, path, body == null ? null : JSON.writeValueAsString(body), deadlineNanos);
    } catch (IOException e) {
      throw new SchemaRegistryException(method + " " + path + " reached no schema registry at " + endpoints + ": "
          + e, 0, SchemaRegistryException.UNREACHABLE, e);
    }
    if (answer.status() / 100 != 2) {
      throw error(method, path, answer);
    }
    if (answer.truncated()) {
      throw new SchemaRegistryException(method + " " + path + " answer is larger than 8 MiB (" + MAX_ANSWER_BYTES
          + " bytes), far more than any schema", answer.status(), SchemaRegistryException.UNUSABLE_SCHEMA);
    }
    return read(method, path, answer, type);
  }

  /**
   * Not JSON at all (a proxy's page with a 200, say) says nothing about what was asked for, so the status is its
   * code, as for any answer that is not the registry's; JSON of another shape than the API defines is an answer this
   * client cannot use.
   */
  private static <T> T read(String method, String path, Answer answer, Class<T> type) {
    T value;
    try {
      value = JSON.readValue(answer.body(), type);
    } catch (JsonParseException e) {
      throw new SchemaRegistryException("Schema registry answered with invalid JSON: " + e.getOriginalMessage(),
          answer.status(), answer.status());
    } catch (IOException e) {
      throw unusable(method, path, answer, type, e.getMessage());
    }
    if (value == null) {
      throw unusable(method, path, answer, type, "null");
    }
    return value;
  }

  private static SchemaRegistryException unusable(String method, String path, Answer answer, Class<?> type,
      String problem) {
    return new SchemaRegistryException(method + " " + path + " answer is not a " + type.getSimpleName() + ": "
        + shortened(problem), answer.status(), SchemaRegistryException.UNUSABLE_SCHEMA);
  }

  private static SchemaRegistryException error(String method, String path, Answer answer) {
    int status = answer.status();
    ErrorMessage registryError = errorMessage(answer);
    int errorCode = registryError != null ? registryError.errorCode() : status;
    String message = registryError != null && registryError.message() != null ? registryError.message()
        : answer.text();
    message = shortened(message);
    if (status == 404 && registryError == null) {
      message += " (not a schema registry answer: does " + AvroSerdeConfig.SCHEMA_REGISTRY_URL
          + " point at the Confluent-compatible API? Apicurio serves it under /apis/ccompat/v7)";
    }
    return new SchemaRegistryException(method + " " + path + " failed: " + message, status, errorCode);
  }

  /** The registry's error, or null when the body is not one (a proxy's error page, say). */
  private static ErrorMessage errorMessage(Answer answer) {
    try {
      ErrorMessage message = JSON.readValue(answer.body(), ErrorMessage.class);
      return message != null && message.errorCode() != null ? message : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String shortened(String message) {
    return message != null && message.length() > MAX_MESSAGE_CHARS
        ? message.substring(0, MAX_MESSAGE_CHARS) + "..." : message;
  }

  /** Tries each URL once, starting with the last one that answered; fails only when none answered. */
  private Answer sendToAnyEndpoint(String method, String path, String body, long deadlineNanos) throws IOException {
    IOException last = null;
    int first = preferredEndpoint;
    for (int i = 0; i < endpoints.size(); i++) {
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0) {
        throw last != null ? last
            : new HttpTimeoutException("no time left of " + AvroSerdeConfig.HTTP_TOTAL_TIMEOUT_MS);
      }
      Duration timeout = readTimeout.compareTo(Duration.ofNanos(remaining)) < 0 ? readTimeout
          : Duration.ofNanos(remaining);
      int index = (first + i) % endpoints.size();
      try {
        Answer answer = exchange(request(endpoints.get(index), method, path, body, timeout), timeout);
        preferredEndpoint = index;
        return answer;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  private static HttpRequest request(RegistryEndpoint endpoint, String method, String path, String body,
      Duration timeout) {
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(path))
        .timeout(timeout)
        .header("Accept", ACCEPT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      request.header("Content-Type", CONTENT_TYPE);
    }
    if (endpoint.authorization() != null) {
      request.header("Authorization", endpoint.authorization());
    }
    return request.build();
  }

  /**
   * One request whose whole answer, body included, must arrive within {@code timeout}: the request timeout of
   * {@link HttpClient} stops at the headers, so a registry (or proxy) that stalls in the body would hold the
   * stream thread forever.
   */
  private Answer exchange(HttpRequest request, Duration timeout) throws IOException {
    CompletableFuture<HttpResponse<LimitedBody.Bytes>> future = http.sendAsync(request,
        info -> new LimitedBody(info.statusCode() / 100 == 2 ? MAX_ANSWER_BYTES : MAX_ERROR_BYTES));
    try {
      HttpResponse<LimitedBody.Bytes> response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      LimitedBody.Bytes bytes = response.body();
      return new Answer(response.statusCode(), bytes.bytes(), bytes.truncated());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new HttpTimeoutException(request.method() + " " + request.uri() + ": no complete answer within "
          + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    }
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
