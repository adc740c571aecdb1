package io.fashionclassifier.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP client of the Confluent Schema Registry REST API (also served by Apicurio under {@code /apis/ccompat/v7},
 * Karapace and Redpanda), on {@link HttpClient} and Jackson.
 *
 * <p>Schemas by id and ids by (subject, schema) are cached forever: a registry never changes them. Ids the registry
 * answered about with a poison-pill answer (see {@link SchemaRegistryException#concernsTheSchemaOnly()}) are
 * remembered for {@value AvroSerdeConfig#MISSING_ID_CACHE_TTL_SEC} seconds, at most
 * {@value AvroSerdeConfig#MISSING_CACHE_SIZE} of them.
 *
 * <p>Every call ends within {@value AvroSerdeConfig#HTTP_TOTAL_TIMEOUT_MS}: each request may wait
 * {@value AvroSerdeConfig#HTTP_READ_TIMEOUT_MS} for its whole answer, body included (a registry that sends headers
 * and then stalls cannot hold the caller); a request that gets no answer is tried on the next URL of
 * {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL}; when every URL failed, or the answer was a 5xx, 408 or 429, the
 * request is retried up to {@value AvroSerdeConfig#MAX_RETRIES} times, waiting {@value AvroSerdeConfig#RETRIES_WAIT_MS}
 * and doubling up to {@value AvroSerdeConfig#RETRIES_MAX_WAIT_MS}, as long as the budget allows. Other 4xx answers
 * are not retried: they become a {@link SchemaRegistryException} with the registry's error_code. Answers larger
 * than {@link #MAX_ANSWER_BYTES} are refused.
 *
 * <p>Credentials: with {@value AvroSerdeConfig#BASIC_AUTH_CREDENTIALS_SOURCE}=URL each URL's user info goes to that
 * URL only; USER_INFO credentials go to every URL. Sending them over plain http is warned about once per URL.
 * Passwords are never part of a message or log line.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

  /** The largest answer read: far above any real schema, far below what could hurt the heap. */
  public static final int MAX_ANSWER_BYTES = 8 << 20;
  /** Of an error answer only the start is shown, so less is read. */
  private static final int MAX_ERROR_BYTES = 64 << 10;

  private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
  /** URLs already warned about, so the warning comes once per JVM however many serdes there are. */
  private static final Set<URI> WARNED_PLAIN_HTTP = ConcurrentHashMap.newKeySet();

  /** One registry URL, without user info, and the Authorization header that belongs to it (or null). */
  private record Endpoint(URI base, String authorization) {}

  private record Answer(int status, String body, boolean truncated) {}

  private final List<Endpoint> endpoints;
  private final HttpClient http;
  private final Duration readTimeout;
  private final long totalTimeoutNanos;
  private final int maxRetries;
  private final long retriesWaitMs;
  private final long retriesMaxWaitMs;
  private volatile int preferredEndpoint;

  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
  private final MissingSchemaIds missingIds;

  private record SubjectSchema(String subject, Schema schema) {}

  public RestSchemaRegistryClient(AvroSerdeConfig config) {
    this.endpoints = endpoints(config);
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.connectTimeout());
    if (endpoints.stream().anyMatch(e -> "https".equalsIgnoreCase(e.base().getScheme()))) {
      builder.sslContext(sslContext(config));
    }
    this.http = builder.build();
    this.readTimeout = config.readTimeout();
    this.totalTimeoutNanos = config.totalTimeout().toNanos();
    this.maxRetries = config.maxRetries();
    this.retriesWaitMs = config.retriesWait().toMillis();
    this.retriesMaxWaitMs = config.retriesMaxWait().toMillis();
    this.missingIds = new MissingSchemaIds(config.missingIdCacheTtl().toNanos(), config.missingCacheSize());
    for (Endpoint endpoint : endpoints) {
      if (endpoint.authorization() != null && "http".equalsIgnoreCase(endpoint.base().getScheme())
          && WARNED_PLAIN_HTTP.add(endpoint.base())) {
        log.warn("Schema registry credentials for {} go over plain http, readable by anyone on the way: use an "
            + "https URL", endpoint.base());
      }
    }
  }

  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    int id = id(answer);
    idsBySubjectSchema.putIfAbsent(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public int getId(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
    int id = id(answer);
    idsBySubjectSchema.putIfAbsent(key, id);
    return id;
  }

  @Override
  public Schema getSchemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    SchemaRegistryException missing = missingIds.get(id);
    if (missing != null) {
      throw new SchemaRegistryException("(remembered) " + missing.getMessage(), missing.status(),
          missing.errorCode());
    }
    Schema schema;
    try {
      schema = parse(send("GET", "/schemas/ids/" + id, null), 200);
    } catch (SchemaRegistryException e) {
      if (e.concernsTheSchemaOnly()) {
        missingIds.put(id, e);
      }
      throw e;
    }
    Schema raced = schemasById.putIfAbsent(id, schema);
    return raced != null ? raced : schema;
  }

  @Override
  public SchemaMetadata getLatestSchemaMetadata(String subject) {
    JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
    int id = id(answer);
    Schema schema = parse(answer, 200);
    schemasById.putIfAbsent(id, schema);
    return new SchemaMetadata(id, answer.path("subject").asText(subject), answer.path("version").asInt(), schema);
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    try {
      JsonNode answer =
          send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
      return answer.path("is_compatible").asBoolean(false);
    } catch (SchemaRegistryException e) {
      // Nothing to be incompatible with yet.
      if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
          || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
        return true;
      }
      throw e;
    }
  }

  @Override
  public String compatibilityLevel(String subject) {
    JsonNode answer = send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null);
    JsonNode level = answer.has("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.get("compatibility");
    if (level == null || !level.isTextual()) {
      throw new SchemaRegistryException("GET /config/" + subject + " answer has no compatibility level", 200,
          SchemaRegistryException.UNUSABLE_SCHEMA);
    }
    return level.asText();
  }

  private JsonNode send(String method, String path, String body) {
    long deadline = System.nanoTime() + totalTimeoutNanos;
    for (int attempt = 0; ; attempt++) {
      SchemaRegistryException failure;
      try {
        Answer answer = sendToAnyEndpoint(method, path, body, deadline);
        if (answer.status() / 100 == 2) {
          if (answer.truncated()) {
            throw new SchemaRegistryException(method + " " + path + " answer is larger than 8 MiB ("
                + MAX_ANSWER_BYTES + " bytes), far more than any schema", answer.status(),
                SchemaRegistryException.UNUSABLE_SCHEMA);
          }
          return readJson(answer.body(), answer.status());
        }
        failure = error(method, path, answer);
        if (!failure.isRetriable()) {
          throw failure;
        }
      } catch (IOException e) {
        failure = new SchemaRegistryException(method + " " + path + " reached no schema registry at "
            + endpoints.stream().map(Endpoint::base).toList() + ": " + e, 0, SchemaRegistryException.UNREACHABLE, e);
      }
      long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      long wait = Math.min(retriesMaxWaitMs, retriesWaitMs << Math.min(attempt, 20));
      if (attempt >= maxRetries || wait >= remainingMs) {
        throw failure;
      }
      log.warn("Schema registry request failed, retry {} of {} in {} ms: {}", attempt + 1, maxRetries, wait,
          failure.getMessage());
      sleep(wait);
    }
  }

  /**
   * Tries each URL once, starting with the last one that answered, each for at most the read timeout and never past
   * the deadline; fails only when none answered.
   */
  private Answer sendToAnyEndpoint(String method, String path, String body, long deadline) throws IOException {
    IOException last = null;
    int first = preferredEndpoint;
    for (int i = 0; i < endpoints.size(); i++) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw last != null ? last : new HttpTimeoutException("no time left of " + AvroSerdeConfig.HTTP_TOTAL_TIMEOUT_MS);
      }
      Duration timeout = readTimeout.compareTo(Duration.ofNanos(remaining)) < 0 ? readTimeout
          : Duration.ofNanos(remaining);
      int index = (first + i) % endpoints.size();
      Endpoint endpoint = endpoints.get(index);
      HttpRequest.Builder request = HttpRequest.newBuilder(resolve(endpoint.base(), path))
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
      try {
        Answer answer = exchange(request.build(), timeout);
        preferredEndpoint = index;
        return answer;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
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
      return new Answer(response.statusCode(), new String(bytes.bytes(), StandardCharsets.UTF_8), bytes.truncated());
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

  /** Collects a body up to a limit, then stops reading (which closes the connection) and marks it truncated. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<LimitedBody.Bytes> {

    record Bytes(byte[] bytes, boolean truncated) {}

    private final int limit;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final CompletableFuture<Bytes> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    LimitedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletionStage<Bytes> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer item : items) {
        int room = limit - buffer.size();
        if (item.remaining() > room) {
          byte[] part = new byte[room];
          item.get(part);
          buffer.writeBytes(part);
          subscription.cancel();
          result.complete(new Bytes(buffer.toByteArray(), true));
          return;
        }
        byte[] all = new byte[item.remaining()];
        item.get(all);
        buffer.writeBytes(all);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(new Bytes(buffer.toByteArray(), false));
    }
  }

  private static SchemaRegistryException error(String method, String path, Answer response) {
    int status = response.status();
    int errorCode = status;
    String message = response.body();
    boolean registryAnswer = false;
    try {
      JsonNode json = JSON.readTree(response.body());
      if (json != null && json.has("error_code")) {
        errorCode = json.path("error_code").asInt(status);
        message = json.path("message").asText(message);
        registryAnswer = true;
      }
    } catch (IOException e) {
      // Not JSON (a proxy's error page, say): keep the status as the code and the body as the message.
    }
    if (message != null && message.length() > 300) {
      message = message.substring(0, 300) + "...";
    }
    if (status == 404 && !registryAnswer) {
      message += " (not a schema registry answer: does " + AvroSerdeConfig.SCHEMA_REGISTRY_URL
          + " point at the Confluent-compatible API? Apicurio serves it under /apis/ccompat/v7)";
    }
    return new SchemaRegistryException(method + " " + path + " failed: " + message, status, errorCode);
  }

  private static int id(JsonNode answer) {
    if (!answer.path("id").isInt()) {
      throw new SchemaRegistryException("Schema registry answer has no schema id: " + answer, 200,
          SchemaRegistryException.INVALID_SCHEMA);
    }
    return answer.path("id").asInt();
  }

  private static JsonNode readJson(String body, int status) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new SchemaRegistryException("Schema registry answered with invalid JSON: " + e.getMessage(), status,
          status);
    }
  }

  private static Schema parse(JsonNode answer, int status) {
    String type = answer.path("schemaType").asText("AVRO");
    if (!"AVRO".equalsIgnoreCase(type)) {
      throw new SchemaRegistryException("Schema is of type " + type + ", not AVRO", status,
          SchemaRegistryException.UNUSABLE_SCHEMA);
    }
    try {
      return new Schema.Parser().parse(answer.path("schema").asText());
    } catch (RuntimeException e) {
      // SchemaParseException, AvroTypeException for an undefined name, and whatever else a hostile text provokes.
      throw new SchemaRegistryException("Schema registry returned a schema the Avro parser rejects: "
          + e.getMessage(), status, SchemaRegistryException.UNUSABLE_SCHEMA, e);
    }
  }

  private static String schemaBody(Schema schema) {
    try {
      return JSON.writeValueAsString(Map.of("schema", schema.toString()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static URI resolve(URI base, String path) {
    String text = base.toString();
    return URI.create((text.endsWith("/") ? text.substring(0, text.length() - 1) : text) + path);
  }

  private static List<Endpoint> endpoints(AvroSerdeConfig config) {
    List<URI> uris = config.registryUrls().stream().map(RegistryUrls::parse).toList();
    String shared = null;
    if (config.credentialsSource() == AvroSerdeConfig.CredentialsSource.USER_INFO) {
      shared = config.userInfo();
      if (shared == null) {
        throw new ConfigException(AvroSerdeConfig.USER_INFO + " (or " + AvroSerdeConfig.USER_INFO_FILE
            + ") must give user:password when " + AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO");
      }
    }
    String sharedUserInfo = shared;
    return uris.stream().map(uri -> {
      String userInfo = sharedUserInfo != null ? sharedUserInfo : uri.getUserInfo();
      String authorization = userInfo == null || userInfo.isEmpty() ? null
          : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
      return new Endpoint(RegistryUrls.withoutUserInfo(uri), authorization);
    }).toList();
  }

  private static SSLContext sslContext(AvroSerdeConfig config) {
    try {
      TrustManagerFactory trust = null;
      if (config.sslTruststoreLocation() != null) {
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keyStore(config.sslTruststoreLocation(), config.sslTruststoreType(),
            config.sslTruststorePassword()));
      }
      KeyManagerFactory keys = null;
      if (config.sslKeystoreLocation() != null) {
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        String keyPassword = config.sslKeyPassword();
        keys.init(keyStore(config.sslKeystoreLocation(), config.sslKeystoreType(), config.sslKeystorePassword()),
            keyPassword == null ? null : keyPassword.toCharArray());
      }
      if (trust == null && keys == null) {
        return SSLContext.getDefault();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
          null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException("Cannot set up TLS for the schema registry from "
          + AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION + "/" + AvroSerdeConfig.SSL_KEYSTORE_LOCATION + ": " + e);
    }
  }

  private static KeyStore keyStore(String location, String type, String password)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance(type);
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      store.load(in, password == null ? null : password.toCharArray());
    }
    return store;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    }
  }
}
