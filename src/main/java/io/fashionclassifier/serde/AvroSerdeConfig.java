package io.fashionclassifier.serde;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the Avro serdes and of the schema registry client. Keys, meanings and defaults are those of
 * Confluent's {@code KafkaAvroSerializerConfig}/{@code SchemaRegistryClientConfig}, so one properties file works
 * with these classes and with Confluent's.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #SCHEMA_REGISTRY_URL}</td><td>(required)</td><td>comma-separated registry URLs, tried in
 *     order on connection errors; {@code mock://<scope>} selects the in-process {@link MockSchemaRegistry}</td></tr>
 *   <tr><td>{@value #AUTO_REGISTER_SCHEMAS}</td><td>true</td><td>serializer registers the record's schema under
 *     the subject; when false it only looks its id up (error when absent)</td></tr>
 *   <tr><td>{@value #USE_LATEST_VERSION}</td><td>false</td><td>serializer (with auto.register.schemas=false)
 *     writes with the subject's latest schema; generic deserializer reads into it. Cached for the serde's
 *     life.</td></tr>
 *   <tr><td>{@value #SPECIFIC_AVRO_READER}</td><td>false</td><td>{@link KafkaAvroDeserializer} returns generated
 *     classes instead of GenericRecord (always true in the Specific serdes)</td></tr>
 *   <tr><td>{@value #SPECIFIC_AVRO_KEY_TYPE} / {@value #SPECIFIC_AVRO_VALUE_TYPE}</td><td>(none)</td><td>generated
 *     class to read keys / values into; by default the class named by the writer schema</td></tr>
 *   <tr><td>{@value #KEY_SUBJECT_NAME_STRATEGY} / {@value #VALUE_SUBJECT_NAME_STRATEGY}</td>
 *     <td>TopicNameStrategy</td><td>subject for a topic: {@link TopicNameStrategy} ({@code <topic>-key},
 *     {@code <topic>-value}), {@link RecordNameStrategy} or {@link TopicRecordNameStrategy}; Confluent's class
 *     names are accepted</td></tr>
 *   <tr><td>{@value #BASIC_AUTH_CREDENTIALS_SOURCE}</td><td>URL</td><td>URL: user:password from the URL's
 *     user-info part; USER_INFO: from {@value #USER_INFO}</td></tr>
 *   <tr><td>{@value #USER_INFO}</td><td>(none)</td><td>{@code user:password} for HTTP basic auth (alias
 *     {@value #USER_INFO_ALIAS})</td></tr>
 *   <tr><td>{@value #SSL_TRUSTSTORE_LOCATION}, {@code .password}, {@code .type}</td><td>(JVM default), -, JKS</td>
 *     <td>trust store for https registry URLs</td></tr>
 *   <tr><td>{@value #SSL_KEYSTORE_LOCATION}, {@code .password}, {@code .type}, {@value #SSL_KEY_PASSWORD}</td>
 *     <td>(none), -, JKS, keystore password</td><td>client certificate for mutual TLS</td></tr>
 *   <tr><td>{@value #HTTP_CONNECT_TIMEOUT_MS}</td><td>60000</td><td>connect timeout per request</td></tr>
 *   <tr><td>{@value #HTTP_READ_TIMEOUT_MS}</td><td>60000</td><td>time to wait for an answer per request</td></tr>
 *   <tr><td>{@value #MAX_RETRIES}</td><td>3</td><td>retries on connection errors and 5xx, 408, 429 answers</td></tr>
 *   <tr><td>{@value #RETRIES_WAIT_MS}</td><td>1000</td><td>wait before the first retry, doubled each time</td></tr>
 *   <tr><td>{@value #RETRIES_MAX_WAIT_MS}</td><td>20000</td><td>upper bound of the wait between retries</td></tr>
 * </table>
 *
 * <p>Every key may also be given in the environment as its upper-case name with dots replaced by underscores
 * and the prefix {@code FASHION_} (e.g. {@code FASHION_SCHEMA_REGISTRY_URL}); see {@link #withEnvironment}.
 */
public final class AvroSerdeConfig {

  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
  public static final String USE_LATEST_VERSION = "use.latest.version";
  public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
  public static final String SPECIFIC_AVRO_KEY_TYPE = "specific.avro.key.type";
  public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";
  public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
  public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
  public static final String USER_INFO = "basic.auth.user.info";
  public static final String USER_INFO_ALIAS = "schema.registry.basic.auth.user.info";
  public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
  public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
  public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
  public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
  public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
  public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
  public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";
  public static final String HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
  public static final String HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms";
  public static final String MAX_RETRIES = "max.retries";
  public static final String RETRIES_WAIT_MS = "retries.wait.ms";
  public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";

  /** Values of {@value #BASIC_AUTH_CREDENTIALS_SOURCE}. */
  public enum CredentialsSource { URL, USER_INFO }

  private static final List<String> KEYS = List.of(SCHEMA_REGISTRY_URL, AUTO_REGISTER_SCHEMAS, USE_LATEST_VERSION,
      SPECIFIC_AVRO_READER, SPECIFIC_AVRO_KEY_TYPE, SPECIFIC_AVRO_VALUE_TYPE, KEY_SUBJECT_NAME_STRATEGY,
      VALUE_SUBJECT_NAME_STRATEGY, BASIC_AUTH_CREDENTIALS_SOURCE, USER_INFO, USER_INFO_ALIAS,
      SSL_TRUSTSTORE_LOCATION, SSL_TRUSTSTORE_PASSWORD, SSL_TRUSTSTORE_TYPE, SSL_KEYSTORE_LOCATION,
      SSL_KEYSTORE_PASSWORD, SSL_KEYSTORE_TYPE, SSL_KEY_PASSWORD, HTTP_CONNECT_TIMEOUT_MS, HTTP_READ_TIMEOUT_MS,
      MAX_RETRIES, RETRIES_WAIT_MS, RETRIES_MAX_WAIT_MS);

  private final Map<String, ?> props;

  public AvroSerdeConfig(Map<String, ?> props) {
    this.props = Map.copyOf(withoutNulls(props));
  }

  /**
   * The given properties, completed by {@code FASHION_*} environment variables for keys they lack (e.g.
   * {@code FASHION_SCHEMA_REGISTRY_URL=http://registry:8081}).
   */
  public static Map<String, Object> withEnvironment(Map<String, ?> props, Map<String, String> env) {
    Map<String, Object> merged = new HashMap<>(withoutNulls(props));
    for (String key : KEYS) {
      String value = env.get("FASHION_" + key.toUpperCase(Locale.ROOT).replace('.', '_'));
      if (value != null && !value.isBlank()) {
        merged.putIfAbsent(key, value);
      }
    }
    return merged;
  }

  /** Registry URLs in failover order; at least one. */
  public List<String> registryUrls() {
    Object value = props.get(SCHEMA_REGISTRY_URL);
    List<String> urls = value instanceof List<?> list
        ? list.stream().map(String::valueOf).map(String::trim).filter(s -> !s.isEmpty()).toList()
        : value == null ? List.of()
        : Arrays.stream(value.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (urls.isEmpty()) {
      throw new ConfigException(SCHEMA_REGISTRY_URL + " is required: set it to the registry URL, e.g. "
          + "http://localhost:8081, or mock://<scope> for an in-process registry");
    }
    return urls;
  }

  /** The scope when {@value #SCHEMA_REGISTRY_URL} is a single {@code mock://<scope>} URL, otherwise null. */
  public String mockScope() {
    List<String> urls = registryUrls();
    boolean anyMock = urls.stream().anyMatch(u -> u.startsWith(MockSchemaRegistry.MOCK_URL_PREFIX));
    if (!anyMock) {
      return null;
    }
    if (urls.size() > 1) {
      throw new ConfigException(SCHEMA_REGISTRY_URL, urls, "a mock:// URL cannot be combined with others");
    }
    return urls.get(0).substring(MockSchemaRegistry.MOCK_URL_PREFIX.length());
  }

  public boolean autoRegisterSchemas() {
    return bool(AUTO_REGISTER_SCHEMAS, true);
  }

  public boolean useLatestVersion() {
    return bool(USE_LATEST_VERSION, false);
  }

  public boolean specificAvroReader() {
    return bool(SPECIFIC_AVRO_READER, false);
  }

  /** The configured generated class for keys or values, or null. */
  public Class<?> specificAvroType(boolean isKey) {
    String key = isKey ? SPECIFIC_AVRO_KEY_TYPE : SPECIFIC_AVRO_VALUE_TYPE;
    Object value = props.get(key);
    if (value == null || value instanceof Class<?>) {
      return (Class<?>) value;
    }
    try {
      return Class.forName(value.toString().trim(), true, Thread.currentThread().getContextClassLoader());
    } catch (ClassNotFoundException e) {
      throw new ConfigException(key, value, "class not found");
    }
  }

  /** The subject name strategy for keys or values. */
  public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
    String key = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
    return SubjectNameStrategy.forConfig(key, props.get(key));
  }

  public CredentialsSource credentialsSource() {
    String value = string(BASIC_AUTH_CREDENTIALS_SOURCE, CredentialsSource.URL.name());
    try {
      return CredentialsSource.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, value, "expected URL or USER_INFO");
    }
  }

  /** {@code user:password} for basic auth from {@value #USER_INFO} (or its alias), or null. */
  public String userInfo() {
    String value = string(USER_INFO, null);
    return value != null && !value.isBlank() ? value : string(USER_INFO_ALIAS, null);
  }

  public String sslTruststoreLocation() {
    return string(SSL_TRUSTSTORE_LOCATION, null);
  }

  public String sslTruststorePassword() {
    return string(SSL_TRUSTSTORE_PASSWORD, null);
  }

  public String sslTruststoreType() {
    return string(SSL_TRUSTSTORE_TYPE, "JKS");
  }

  public String sslKeystoreLocation() {
    return string(SSL_KEYSTORE_LOCATION, null);
  }

  public String sslKeystorePassword() {
    return string(SSL_KEYSTORE_PASSWORD, null);
  }

  public String sslKeystoreType() {
    return string(SSL_KEYSTORE_TYPE, "JKS");
  }

  /** Password of the private key in the keystore; the keystore password when not set. */
  public String sslKeyPassword() {
    return string(SSL_KEY_PASSWORD, sslKeystorePassword());
  }

  public Duration connectTimeout() {
    return Duration.ofMillis(number(HTTP_CONNECT_TIMEOUT_MS, 60_000));
  }

  public Duration readTimeout() {
    return Duration.ofMillis(number(HTTP_READ_TIMEOUT_MS, 60_000));
  }

  public int maxRetries() {
    return (int) number(MAX_RETRIES, 3);
  }

  public Duration retriesWait() {
    return Duration.ofMillis(number(RETRIES_WAIT_MS, 1_000));
  }

  public Duration retriesMaxWait() {
    return Duration.ofMillis(number(RETRIES_MAX_WAIT_MS, 20_000));
  }

  private boolean bool(String key, boolean defaultValue) {
    Object value = props.get(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    String text = value.toString().trim();
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text);
    }
    throw new ConfigException(key, value, "expected true or false");
  }

  private long number(String key, long defaultValue) {
    Object value = props.get(key);
    if (value == null) {
      return defaultValue;
    }
    try {
      long n = value instanceof Number num ? num.longValue() : Long.parseLong(value.toString().trim());
      if (n < 0) {
        throw new ConfigException(key, value, "must not be negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(key, value, "expected a whole number");
    }
  }

  private String string(String key, String defaultValue) {
    Object value = props.get(key);
    if (value == null) {
      return defaultValue;
    }
    // Kafka's config parser hands passwords over as Password objects whose toString() hides the value.
    if (value instanceof org.apache.kafka.common.config.types.Password password) {
      return password.value();
    }
    return value.toString();
  }

  private static Map<String, ?> withoutNulls(Map<String, ?> props) {
    Map<String, Object> copy = new HashMap<>();
    props.forEach((k, v) -> {
      if (k != null && v != null) {
        copy.put(k, v);
      }
    });
    return copy;
  }
}
