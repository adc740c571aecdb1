package io.fashionclassifier.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP client of the Confluent Schema Registry REST API (also served by Apicurio under {@code /apis/ccompat/v7},
 * Karapace and Redpanda), on {@link HttpClient} and Jackson.
 *
 * <p>Schemas by id and ids by (subject, schema) are cached forever: a registry never changes them. Requests that
 * get no answer are tried on the next URL of {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL}; when every URL failed,
 * or the answer was a 5xx, 408 or 429, the request is retried up to {@value AvroSerdeConfig#MAX_RETRIES} times, waiting
 * {@value AvroSerdeConfig#RETRIES_WAIT_MS} and doubling up to {@value AvroSerdeConfig#RETRIES_MAX_WAIT_MS}.
 * Other 4xx answers are not retried: they become a {@link SchemaRegistryException} with the registry's error_code.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

  private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

  private final List<URI> baseUris;
  private final String authorization;
  private final HttpClient http;
  private final Duration readTimeout;
  private final int maxRetries;
  private final long retriesWaitMs;
  private final long retriesMaxWaitMs;
  private volatile int preferredUri;

  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

  private record SubjectSchema(String subject, Schema schema) {}

  public RestSchemaRegistryClient(AvroSerdeConfig config) {
    List<URI> uris = config.registryUrls().stream().map(RestSchemaRegistryClient::parseUri).toList();
    this.authorization = authorization(config, uris);
    this.baseUris = uris.stream().map(RestSchemaRegistryClient::withoutUserInfo).toList();
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.connectTimeout());
    if (baseUris.stream().anyMatch(u -> "https".equalsIgnoreCase(u.getScheme()))) {
      builder.sslContext(sslContext(config));
    }
    this.http = builder.build();
    this.readTimeout = config.readTimeout();
    this.maxRetries = config.maxRetries();
    this.retriesWaitMs = config.retriesWait().toMillis();
    this.retriesMaxWaitMs = config.retriesMaxWait().toMillis();
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
    Schema schema = parse(send("GET", "/schemas/ids/" + id, null), 200);
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

  private JsonNode send(String method, String path, String body) {
    for (int attempt = 0; ; attempt++) {
      SchemaRegistryException failure;
      try {
        HttpResponse<String> response = sendToAnyUri(method, path, body);
        if (response.statusCode() / 100 == 2) {
          return readJson(response.body(), response.statusCode());
        }
        failure = error(method, path, response);
        if (!failure.isRetriable()) {
          throw failure;
        }
      } catch (IOException e) {
        failure = new SchemaRegistryException(method + " " + path + " reached no schema registry at " + baseUris
            + ": " + e, 0, SchemaRegistryException.UNREACHABLE, e);
      }
      if (attempt >= maxRetries) {
        throw failure;
      }
      long wait = Math.min(retriesMaxWaitMs, retriesWaitMs << Math.min(attempt, 20));
      log.warn("Schema registry request failed, retry {} of {} in {} ms: {}", attempt + 1, maxRetries, wait,
          failure.getMessage());
      sleep(wait);
    }
  }

  /** Tries each URL once, starting with the last one that answered; fails only when none answered. */
  private HttpResponse<String> sendToAnyUri(String method, String path, String body) throws IOException {
    IOException last = null;
    int first = preferredUri;
    for (int i = 0; i < baseUris.size(); i++) {
      int index = (first + i) % baseUris.size();
      HttpRequest.Builder request = HttpRequest.newBuilder(resolve(baseUris.get(index), path))
          .timeout(readTimeout)
          .header("Accept", ACCEPT)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      if (body != null) {
        request.header("Content-Type", CONTENT_TYPE);
      }
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      try {
        HttpResponse<String> response =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        preferredUri = index;
        return response;
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptException(e);
      }
    }
    throw last;
  }

  private static SchemaRegistryException error(String method, String path, HttpResponse<String> response) {
    int status = response.statusCode();
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
          SchemaRegistryException.INVALID_SCHEMA);
    }
    try {
      return new Schema.Parser().parse(answer.path("schema").asText());
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException("Schema registry returned an invalid Avro schema: " + e.getMessage(),
          status, SchemaRegistryException.INVALID_SCHEMA, e);
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

  private static URI parseUri(String url) {
    try {
      URI uri = URI.create(url);
      if (uri.getScheme() == null || uri.getHost() == null
          || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))) {
        throw new IllegalArgumentException("not an http(s) URL with a host");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url, e.getMessage());
    }
  }

  private static URI withoutUserInfo(URI uri) {
    try {
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(), null);
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(AvroSerdeConfig.SCHEMA_REGISTRY_URL, uri.toString(), e.getMessage());
    }
  }

  private static String authorization(AvroSerdeConfig config, List<URI> uris) {
    String userInfo = switch (config.credentialsSource()) {
      case USER_INFO -> {
        String info = config.userInfo();
        if (info == null || info.isBlank()) {
          throw new ConfigException(AvroSerdeConfig.USER_INFO + " must be set to user:password when "
              + AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO");
        }
        yield info;
      }
      case URL -> uris.stream().map(URI::getUserInfo).filter(i -> i != null && !i.isEmpty()).findFirst()
          .orElse(null);
    };
    return userInfo == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
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
