package io.fashionclassifier.serde;

import io.fashionclassifier.config.EnvironmentNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.CaseInsensitiveValidString;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Configuration of the Avro serdes and of the schema registry client, declared and validated with Kafka's
 * {@link ConfigDef} as Confluent's {@code AbstractKafkaSchemaSerDeConfig} is: a bad value fails
 * {@code configure()} with one {@link ConfigException} naming the key (passwords are never quoted). Keys and
 * meanings are Confluent's where Confluent has them ({@code KafkaAvroSerializerConfig},
 * {@code SchemaRegistryClientConfig}), so one properties file works with these classes and with Confluent's;
 * the registry timeouts' defaults are not Confluent's but chosen so that one registry lookup ends well inside an
 * exactly-once transaction (Kafka Streams' {@code transaction.timeout.ms} is 10 s): see {@link #CONFIG} for every
 * key, its default and its meaning, and {@code docs/schemas-and-wire-format.md} for the table.
 *
 * <p>Unknown keys are ignored: the serdes are usually handed a whole Kafka Streams configuration.
 *
 * <p>Every key may also be given in the environment as {@code FASHION_} and its name spelled by the rule the
 * stream classifier's settings follow too ({@link EnvironmentNames}: upper case, {@code .} as {@code _}, an
 * {@code _} of the key as {@code __}), e.g. {@code FASHION_SCHEMA_REGISTRY_URL}; see {@link #withEnvironment}.
 */
public final class AvroSerdeConfig extends AbstractConfig {

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
  public static final String USER_INFO_FILE = "basic.auth.user.info.file";
  public static final String BEARER_AUTH_TOKEN = "bearer.auth.token";
  public static final String BEARER_AUTH_TOKEN_ALIAS = "schema.registry.bearer.auth.token";
  public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
  public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
  public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
  public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
  public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
  public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
  public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";
  public static final String HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
  public static final String HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms";
  public static final String HTTP_TOTAL_TIMEOUT_MS = "http.total.timeout.ms";
  public static final String MAX_RETRIES = "max.retries";
  public static final String RETRIES_WAIT_MS = "retries.wait.ms";
  public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";
  public static final String MISSING_ID_CACHE_TTL_SEC = "missing.id.cache.ttl.sec";
  public static final String MISSING_CACHE_SIZE = "missing.cache.size";

  /** Values of {@value #BASIC_AUTH_CREDENTIALS_SOURCE}. */
  public enum CredentialsSource { URL, USER_INFO }

  private static final String TIMEOUT_WHY = "a registry lookup blocks the stream thread, so it must end well inside "
      + "the transaction (transaction.timeout.ms, 10 s under exactly_once_v2)";

  /** Every key, its type, default, validity and meaning. */
  public static final ConfigDef CONFIG = new ConfigDef()
      .define(SCHEMA_REGISTRY_URL, Type.LIST, List.of(), Importance.HIGH,
          "Comma-separated registry URLs, tried in order when one does not answer; mock://<scope> selects the "
              + "in-process MockSchemaRegistry. Required unless a client is given to the serde's constructor.")
      .define(AUTO_REGISTER_SCHEMAS, Type.BOOLEAN, true, Importance.MEDIUM,
          "The serializer registers the record's schema under the subject; false: it only looks its id up and "
              + "fails when it is absent.")
      .define(USE_LATEST_VERSION, Type.BOOLEAN, false, Importance.LOW,
          "With auto.register.schemas=false the serializer writes with the subject's latest schema; a generic "
              + "deserializer reads into it. Cached for the serde's life.")
      .define(SPECIFIC_AVRO_READER, Type.BOOLEAN, false, Importance.LOW,
          "KafkaAvroDeserializer returns generated classes instead of GenericRecord (always true in the Specific "
              + "serdes).")
      .define(SPECIFIC_AVRO_KEY_TYPE, Type.CLASS, null, Importance.LOW,
          "Generated class to read keys into; a writer schema it cannot read is a poison pill. By default the "
              + "class named by the writer schema.")
      .define(SPECIFIC_AVRO_VALUE_TYPE, Type.CLASS, null, Importance.LOW,
          "Generated class to read values into; a writer schema it cannot read is a poison pill. By default the "
              + "class named by the writer schema.")
      .define(KEY_SUBJECT_NAME_STRATEGY, Type.STRING, "TopicNameStrategy", Importance.LOW,
          "Subject of a topic's keys: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy (Confluent's "
              + "class names are accepted).")
      .define(VALUE_SUBJECT_NAME_STRATEGY, Type.STRING, "TopicNameStrategy", Importance.LOW,
          "Subject of a topic's values: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy "
              + "(Confluent's class names are accepted).")
      .define(BASIC_AUTH_CREDENTIALS_SOURCE, Type.STRING, CredentialsSource.URL.name(),
          CaseInsensitiveValidString.in("URL", "USER_INFO"), Importance.MEDIUM,
          "URL: user:password from each registry URL's user-info part, sent to that URL only; USER_INFO: from "
              + USER_INFO + " or " + USER_INFO_FILE + ", sent to every URL. Default URL, or USER_INFO when "
              + USER_INFO_FILE + " is set.")
      .define(USER_INFO, Type.PASSWORD, null, Importance.MEDIUM,
          "user:password for HTTP basic auth (alias " + USER_INFO_ALIAS + ").")
      .define(USER_INFO_ALIAS, Type.PASSWORD, null, Importance.LOW, "Alias of " + USER_INFO + ".")
      .define(USER_INFO_FILE, Type.STRING, null, Importance.MEDIUM,
          "File holding user:password for HTTP basic auth (surrounding white space ignored), so the secret need "
              + "not be on the command line or in the environment; implies " + BASIC_AUTH_CREDENTIALS_SOURCE
              + "=USER_INFO.")
      .define(BEARER_AUTH_TOKEN, Type.PASSWORD, null, Importance.MEDIUM,
          "Token sent as Authorization: Bearer to every registry URL, instead of basic auth (alias "
              + BEARER_AUTH_TOKEN_ALIAS + ", which SCHEMA_REGISTRY_BEARER_AUTH_TOKEN sets).")
      .define(BEARER_AUTH_TOKEN_ALIAS, Type.PASSWORD, null, Importance.LOW, "Alias of " + BEARER_AUTH_TOKEN + ".")
      .define(SSL_TRUSTSTORE_LOCATION, Type.STRING, null, Importance.LOW,
          "Trust store for https registry URLs (default: the JVM's).")
      .define(SSL_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW, "Trust store password.")
      .define(SSL_TRUSTSTORE_TYPE, Type.STRING, "JKS", Importance.LOW,
          "Trust store type: JKS, PKCS12, or PEM (a file of CA certificates, no password).")
      .define(SSL_KEYSTORE_LOCATION, Type.STRING, null, Importance.LOW,
          "Key store with the client certificate for mutual TLS.")
      .define(SSL_KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW, "Key store password.")
      .define(SSL_KEYSTORE_TYPE, Type.STRING, "JKS", Importance.LOW, "Key store type.")
      .define(SSL_KEY_PASSWORD, Type.PASSWORD, null, Importance.LOW,
          "Password of the private key in the key store (default: the key store password).")
      .define(HTTP_CONNECT_TIMEOUT_MS, Type.INT, 2_000, positive(), Importance.MEDIUM,
          "Connect timeout of one request, in ms (Confluent's default: 60000; " + TIMEOUT_WHY + ").")
      .define(HTTP_READ_TIMEOUT_MS, Type.INT, 5_000, positive(), Importance.MEDIUM,
          "How long one request waits for the whole answer, in ms; 0 (wait forever) is refused (Confluent's "
              + "default: 60000; " + TIMEOUT_WHY + ").")
      .define(HTTP_TOTAL_TIMEOUT_MS, Type.INT, 8_000, positive(), Importance.MEDIUM,
          "The most one registry lookup may take, failover, retries and waits included, in ms; then it fails as "
              + "an outage (" + TIMEOUT_WHY + "). Ours, not Confluent's.")
      .define(MAX_RETRIES, Type.INT, 3, ConfigDef.Range.atLeast(0), Importance.LOW,
          "Retries on no answer (after every URL was tried) and on 5xx, 408 and 429 answers, within "
              + HTTP_TOTAL_TIMEOUT_MS + ".")
      .define(RETRIES_WAIT_MS, Type.INT, 500, ConfigDef.Range.atLeast(0), Importance.LOW,
          "Ceiling of the wait before the first retry, in ms, doubled each retry; each wait is drawn uniformly "
              + "from 0 to the ceiling (full jitter) (Confluent's default: 1000).")
      .define(RETRIES_MAX_WAIT_MS, Type.INT, 4_000, ConfigDef.Range.atLeast(0), Importance.LOW,
          "Upper bound of the ceiling of the wait between retries, in ms (Confluent's default: 20000).")
      .define(MISSING_ID_CACHE_TTL_SEC, Type.INT, 60, ConfigDef.Range.atLeast(0), Importance.LOW,
          "How long a schema id the registry answered about with a poison-pill answer (unknown, not Avro, "
              + "unparsable, forbidden) is remembered, so records carrying it cost no registry call; 0: not "
              + "remembered.")
      .define(MISSING_CACHE_SIZE, Type.INT, 10_000, ConfigDef.Range.atLeast(0), Importance.LOW,
          "How many such schema ids are remembered at most; the least recently used is forgotten first.");

  public AvroSerdeConfig(Map<String, ?> props) {
    super(CONFIG, passwordsChecked(withoutNulls(props)), false);
    if (!userInfoFileCompatible()) {
      throw new ConfigException(USER_INFO_FILE + " is set but " + BASIC_AUTH_CREDENTIALS_SOURCE
          + "=URL ignores it: set " + BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO or remove " + USER_INFO_FILE);
    }
  }

  /**
   * The given properties, completed by {@code FASHION_*} environment variables for keys they lack (e.g.
   * {@code FASHION_SCHEMA_REGISTRY_URL=http://registry:8081}, {@code FASHION_BASIC_AUTH_USER_INFO_FILE=/run/secrets/sr}).
   */
  public static Map<String, Object> withEnvironment(Map<String, ?> props, Map<String, String> env) {
    Map<String, Object> merged = new HashMap<>(withoutNulls(props));
    for (String key : CONFIG.names()) {
      String value = env.get(EnvironmentNames.variable("FASHION_", key));
      if (value != null && !value.isBlank()) {
        merged.putIfAbsent(key, value);
      }
    }
    return merged;
  }

  /** Registry URLs in failover order; at least one. */
  public List<String> registryUrls() {
    List<String> urls = getList(SCHEMA_REGISTRY_URL).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
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
      throw new ConfigException(SCHEMA_REGISTRY_URL, urls.stream().map(RegistryUrls::redact).toList(),
          "a mock:// URL cannot be combined with others");
    }
    return urls.get(0).substring(MockSchemaRegistry.MOCK_URL_PREFIX.length());
  }

  public boolean autoRegisterSchemas() {
    return getBoolean(AUTO_REGISTER_SCHEMAS);
  }

  public boolean useLatestVersion() {
    return getBoolean(USE_LATEST_VERSION);
  }

  public boolean specificAvroReader() {
    return getBoolean(SPECIFIC_AVRO_READER);
  }

  /** The configured generated class for keys or values, or null. */
  public Class<?> specificAvroType(boolean isKey) {
    return getClass(isKey ? SPECIFIC_AVRO_KEY_TYPE : SPECIFIC_AVRO_VALUE_TYPE);
  }

  /** The subject name strategy for keys or values. */
  public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
    String key = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
    return SubjectNameStrategy.forConfig(key, originals().get(key));
  }

  public CredentialsSource credentialsSource() {
    if (!originals().containsKey(BASIC_AUTH_CREDENTIALS_SOURCE) && getString(USER_INFO_FILE) != null) {
      return CredentialsSource.USER_INFO;
    }
    return CredentialsSource.valueOf(getString(BASIC_AUTH_CREDENTIALS_SOURCE).trim().toUpperCase(Locale.ROOT));
  }

  /**
   * {@code user:password} for basic auth from {@value #USER_INFO} (or its alias), else read from
   * {@value #USER_INFO_FILE}; null when none is set.
   */
  public String userInfo() {
    String value = password(USER_INFO);
    if (value == null || value.isBlank()) {
      value = password(USER_INFO_ALIAS);
    }
    if ((value == null || value.isBlank()) && getString(USER_INFO_FILE) != null) {
      Path file = Path.of(getString(USER_INFO_FILE));
      try {
        value = Files.readString(file, StandardCharsets.UTF_8).strip();
      } catch (IOException | RuntimeException e) {
        throw new ConfigException(USER_INFO_FILE + ": cannot read the credentials file " + file + " ("
            + e.getClass().getSimpleName() + "); point it at a readable file holding user:password");
      }
    }
    return value == null || value.isBlank() ? null : value;
  }

  /** The bearer token from {@value #BEARER_AUTH_TOKEN} (or its alias); null when none is set. */
  public String bearerToken() {
    String value = password(BEARER_AUTH_TOKEN);
    if (value == null || value.isBlank()) {
      value = password(BEARER_AUTH_TOKEN_ALIAS);
    }
    return value == null || value.isBlank() ? null : value.strip();
  }

  public String sslTruststoreLocation() {
    return getString(SSL_TRUSTSTORE_LOCATION);
  }

  public String sslTruststorePassword() {
    return password(SSL_TRUSTSTORE_PASSWORD);
  }

  public String sslTruststoreType() {
    return getString(SSL_TRUSTSTORE_TYPE);
  }

  public String sslKeystoreLocation() {
    return getString(SSL_KEYSTORE_LOCATION);
  }

  public String sslKeystorePassword() {
    return password(SSL_KEYSTORE_PASSWORD);
  }

  public String sslKeystoreType() {
    return getString(SSL_KEYSTORE_TYPE);
  }

  /** Password of the private key in the keystore; the keystore password when not set. */
  public String sslKeyPassword() {
    String value = password(SSL_KEY_PASSWORD);
    return value != null ? value : sslKeystorePassword();
  }

  public Duration connectTimeout() {
    return Duration.ofMillis(getInt(HTTP_CONNECT_TIMEOUT_MS));
  }

  /** How long one request may wait for its whole answer. */
  public Duration readTimeout() {
    return Duration.ofMillis(getInt(HTTP_READ_TIMEOUT_MS));
  }

  /** The most one registry lookup may take, every attempt, failover and wait included. */
  public Duration totalTimeout() {
    return Duration.ofMillis(getInt(HTTP_TOTAL_TIMEOUT_MS));
  }

  public int maxRetries() {
    return getInt(MAX_RETRIES);
  }

  public Duration retriesWait() {
    return Duration.ofMillis(getInt(RETRIES_WAIT_MS));
  }

  public Duration retriesMaxWait() {
    return Duration.ofMillis(getInt(RETRIES_MAX_WAIT_MS));
  }

  /** How long a schema id answered with a poison pill is remembered; zero: not at all. */
  public Duration missingIdCacheTtl() {
    return Duration.ofSeconds(getInt(MISSING_ID_CACHE_TTL_SEC));
  }

  public int missingCacheSize() {
    return getInt(MISSING_CACHE_SIZE);
  }

  private boolean userInfoFileCompatible() {
    return getString(USER_INFO_FILE) == null || !originals().containsKey(BASIC_AUTH_CREDENTIALS_SOURCE)
        || credentialsSource() == CredentialsSource.USER_INFO;
  }

  private String password(String key) {
    Password value = getPassword(key);
    return value == null ? null : value.value();
  }

  /** At least 1 ms: 0 means "wait forever" to most HTTP clients, and a stream thread must never do that. */
  private static ConfigDef.Validator positive() {
    return (name, value) -> {
      if (value instanceof Number n && n.longValue() < 1) {
        throw new ConfigException(name, value, "must be at least 1 (ms): 0 or less would let a registry that "
            + "does not answer block the stream thread forever; " + TIMEOUT_WHY);
      }
    };
  }

  /** ConfigDef quotes a value of the wrong type in its error, a password too: refuse those first, unquoted. */
  private static Map<String, ?> passwordsChecked(Map<String, ?> props) {
    CONFIG.configKeys().values().stream().filter(key -> key.type == Type.PASSWORD).forEach(key -> {
      Object value = props.get(key.name);
      if (value != null && !(value instanceof String) && !(value instanceof Password)) {
        throw new ConfigException(key.name + " must be a string; got a " + value.getClass().getName()
            + " (its value is not shown: it is a secret)");
      }
    });
    return props;
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
