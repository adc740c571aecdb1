package io.fashionclassifier.streaming;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;

/**
 * Settings of the stream classifier, read from (lowest precedence first) the defaults below, a properties file,
 * the environment and explicit overrides (command-line options).
 *
 * <p>One flat key space. Keys starting with {@code fashion.} are the classifier's own (table below); keys starting
 * with {@code schema.registry.} or {@code basic.auth.} go to the Avro serdes; every other key is a Kafka client or
 * Kafka Streams property and is passed through unchanged (e.g. {@code security.protocol}, {@code sasl.jaas.config},
 * {@code ssl.truststore.location}, {@code commit.interval.ms}).
 *
 * <table>
 *   <caption>Settings, environment variables and defaults</caption>
 *   <tr><th>key</th><th>environment</th><th>default</th></tr>
 *   <tr><td>bootstrap.servers</td><td>FASHION_BOOTSTRAP_SERVERS</td><td>localhost:9092</td></tr>
 *   <tr><td>application.id</td><td>FASHION_APPLICATION_ID</td><td>fashion-classifier</td></tr>
 *   <tr><td>num.stream.threads</td><td>FASHION_STREAM_THREADS</td><td>1</td></tr>
 *   <tr><td>processing.guarantee</td><td>FASHION_PROCESSING_GUARANTEE</td><td>exactly_once_v2</td></tr>
 *   <tr><td>schema.registry.url</td><td>FASHION_SCHEMA_REGISTRY_URL</td><td>http://localhost:8081</td></tr>
 *   <tr><td>basic.auth.user.info</td><td>FASHION_SCHEMA_REGISTRY_USER_INFO</td><td>(none; sets
 *       basic.auth.credentials.source=USER_INFO)</td></tr>
 *   <tr><td>fashion.model.dir</td><td>FASHION_MODEL_DIR</td><td>models/default</td></tr>
 *   <tr><td>fashion.topic.input</td><td>FASHION_TOPIC_INPUT</td><td>inventory-images</td></tr>
 *   <tr><td>fashion.topic.classified</td><td>FASHION_TOPIC_CLASSIFIED</td><td>classified-items</td></tr>
 *   <tr><td>fashion.topic.aggregates</td><td>FASHION_TOPIC_AGGREGATES</td><td>accuracy-aggregates</td></tr>
 *   <tr><td>fashion.topic.dlq</td><td>FASHION_TOPIC_DLQ</td><td>inventory-dlq</td></tr>
 *   <tr><td>fashion.batch.size</td><td>FASHION_BATCH_SIZE</td><td>64</td></tr>
 *   <tr><td>fashion.batch.max.wait.ms</td><td>FASHION_BATCH_MAX_WAIT_MS</td><td>20</td></tr>
 *   <tr><td>fashion.aggregates.window.ms</td><td>FASHION_AGGREGATES_WINDOW_MS</td><td>60000 (tumbling window of the
 *       windowed accuracy figures)</td></tr>
 *   <tr><td>fashion.aggregates.grace.ms</td><td>FASHION_AGGREGATES_GRACE_MS</td><td>30000 (how late, by capture
 *       time, an item may arrive and still count in its window; 0 allowed)</td></tr>
 *   <tr><td>fashion.topics.create</td><td>FASHION_TOPICS_CREATE</td><td>true (false: fail if one is missing)</td></tr>
 *   <tr><td>fashion.topics.partitions</td><td>FASHION_TOPICS_PARTITIONS</td><td>6</td></tr>
 *   <tr><td>fashion.topics.replication</td><td>FASHION_TOPICS_REPLICATION</td><td>-1 (broker default)</td></tr>
 *   <tr><td>fashion.http.port</td><td>FASHION_HTTP_PORT</td><td>8080 (0: any free port)</td></tr>
 *   <tr><td>fashion.model.flip.tta</td><td>FASHION_MODEL_FLIP_TTA</td><td>bundle (as the bundle was evaluated;
 *       true or false to force flip test-time augmentation on or off: off halves the model's work)</td></tr>
 *   <tr><td>fashion.startup.timeout.ms</td><td>FASHION_STARTUP_TIMEOUT_MS</td><td>15000 (brokers must answer
 *       within it)</td></tr>
 * </table>
 *
 * <p>Besides these, every environment variable {@code KAFKA_X_Y} becomes the Kafka property {@code x.y}
 * (e.g. {@code KAFKA_SECURITY_PROTOCOL=SASL_SSL}, {@code KAFKA_SASL_MECHANISM=PLAIN}), and
 * {@code SCHEMA_REGISTRY_X_Y} becomes {@code schema.registry.x.y}.
 */
public final class ClassifierConfig {

  public static final String MODEL_DIR = "fashion.model.dir";
  public static final String TOPIC_INPUT = "fashion.topic.input";
  public static final String TOPIC_CLASSIFIED = "fashion.topic.classified";
  public static final String TOPIC_AGGREGATES = "fashion.topic.aggregates";
  public static final String TOPIC_DLQ = "fashion.topic.dlq";
  public static final String BATCH_SIZE = "fashion.batch.size";
  public static final String BATCH_MAX_WAIT_MS = "fashion.batch.max.wait.ms";
  public static final String AGGREGATES_WINDOW_MS = "fashion.aggregates.window.ms";
  public static final String AGGREGATES_GRACE_MS = "fashion.aggregates.grace.ms";
  public static final String TOPICS_CREATE = "fashion.topics.create";
  public static final String TOPICS_PARTITIONS = "fashion.topics.partitions";
  public static final String TOPICS_REPLICATION = "fashion.topics.replication";
  public static final String HTTP_PORT = "fashion.http.port";
  public static final String MODEL_FLIP_TTA = "fashion.model.flip.tta";
  public static final String STARTUP_TIMEOUT_MS = "fashion.startup.timeout.ms";
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
  public static final String REGISTRY_USER_INFO = "basic.auth.user.info";

  private static final String KAFKA_ENV_PREFIX = "KAFKA_";
  private static final String REGISTRY_ENV_PREFIX = "SCHEMA_REGISTRY_";

  /** Environment variable -> key, for the named settings. */
  private static final Map<String, String> ENVIRONMENT = new LinkedHashMap<>();

  static {
    ENVIRONMENT.put("FASHION_BOOTSTRAP_SERVERS", StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
    ENVIRONMENT.put("FASHION_APPLICATION_ID", StreamsConfig.APPLICATION_ID_CONFIG);
    ENVIRONMENT.put("FASHION_STREAM_THREADS", StreamsConfig.NUM_STREAM_THREADS_CONFIG);
    ENVIRONMENT.put("FASHION_PROCESSING_GUARANTEE", StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
    ENVIRONMENT.put("FASHION_SCHEMA_REGISTRY_URL", SCHEMA_REGISTRY_URL);
    ENVIRONMENT.put("FASHION_SCHEMA_REGISTRY_USER_INFO", REGISTRY_USER_INFO);
    ENVIRONMENT.put("FASHION_MODEL_DIR", MODEL_DIR);
    ENVIRONMENT.put("FASHION_TOPIC_INPUT", TOPIC_INPUT);
    ENVIRONMENT.put("FASHION_TOPIC_CLASSIFIED", TOPIC_CLASSIFIED);
    ENVIRONMENT.put("FASHION_TOPIC_AGGREGATES", TOPIC_AGGREGATES);
    ENVIRONMENT.put("FASHION_TOPIC_DLQ", TOPIC_DLQ);
    ENVIRONMENT.put("FASHION_BATCH_SIZE", BATCH_SIZE);
    ENVIRONMENT.put("FASHION_BATCH_MAX_WAIT_MS", BATCH_MAX_WAIT_MS);
    ENVIRONMENT.put("FASHION_AGGREGATES_WINDOW_MS", AGGREGATES_WINDOW_MS);
    ENVIRONMENT.put("FASHION_AGGREGATES_GRACE_MS", AGGREGATES_GRACE_MS);
    ENVIRONMENT.put("FASHION_TOPICS_CREATE", TOPICS_CREATE);
    ENVIRONMENT.put("FASHION_TOPICS_PARTITIONS", TOPICS_PARTITIONS);
    ENVIRONMENT.put("FASHION_TOPICS_REPLICATION", TOPICS_REPLICATION);
    ENVIRONMENT.put("FASHION_HTTP_PORT", HTTP_PORT);
    ENVIRONMENT.put("FASHION_MODEL_FLIP_TTA", MODEL_FLIP_TTA);
    ENVIRONMENT.put("FASHION_STARTUP_TIMEOUT_MS", STARTUP_TIMEOUT_MS);
    ENVIRONMENT.put("FASHION_SHUTDOWN_TIMEOUT_MS", "fashion.shutdown.timeout.ms");
  }

  private final Map<String, String> settings;

  private ClassifierConfig(Map<String, String> settings) {
    this.settings = Collections.unmodifiableMap(settings);
    // validate eagerly, so a typo fails at start-up with the key's name
    batchSize();
    maxBatchWait();
    window();
    windowGrace();
    topicPartitions();
    topicReplication();
    httpPort();
    flipTta();
    startupTimeout();
  }

  /** The defaults alone. */
  public static Map<String, String> defaults() {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
    defaults.put(StreamsConfig.APPLICATION_ID_CONFIG, "fashion-classifier");
    defaults.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    defaults.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    defaults.put(SCHEMA_REGISTRY_URL, "http://localhost:8081");
    defaults.put(MODEL_DIR, "models/default");
    defaults.put(TOPIC_INPUT, "inventory-images");
    defaults.put(TOPIC_CLASSIFIED, "classified-items");
    defaults.put(TOPIC_AGGREGATES, "accuracy-aggregates");
    defaults.put(TOPIC_DLQ, "inventory-dlq");
    defaults.put(BATCH_SIZE, "64");
    defaults.put(BATCH_MAX_WAIT_MS, "20");
    defaults.put(AGGREGATES_WINDOW_MS, "60000");
    defaults.put(AGGREGATES_GRACE_MS, "30000");
    defaults.put(TOPICS_CREATE, "true");
    defaults.put(TOPICS_PARTITIONS, "6");
    defaults.put(TOPICS_REPLICATION, "-1");
    defaults.put(HTTP_PORT, "8080");
    defaults.put(MODEL_FLIP_TTA, "bundle");
    defaults.put(STARTUP_TIMEOUT_MS, "15000");
    defaults.put("fashion.shutdown.timeout.ms", "20000");
    return defaults;
  }

  /**
   * Builds the configuration: defaults, then the file (when not null), then the environment, then {@code overrides}.
   *
   * @throws IllegalArgumentException for an unreadable file or a malformed value, naming the key
   */
  public static ClassifierConfig load(Path file, Map<String, String> environment, Map<String, String> overrides) {
    Map<String, String> settings = defaults();
    if (file != null) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
      }
      properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key).trim()));
    }
    settings.putAll(fromEnvironment(environment));
    settings.putAll(overrides);
    return new ClassifierConfig(settings);
  }

  /** A configuration from explicit settings over the defaults (tests, embedding). */
  public static ClassifierConfig of(Map<String, String> overrides) {
    return load(null, Map.of(), overrides);
  }

  /** The settings the environment holds, by key (see the class comment for the mapping). */
  static Map<String, String> fromEnvironment(Map<String, String> environment) {
    Map<String, String> settings = new LinkedHashMap<>();
    // generic mappings first, so the named FASHION_* variables win over them
    environment.forEach((name, value) -> {
      if (name.startsWith(KAFKA_ENV_PREFIX) && name.length() > KAFKA_ENV_PREFIX.length()) {
        settings.put(dotted(name.substring(KAFKA_ENV_PREFIX.length())), value);
      } else if (name.startsWith(REGISTRY_ENV_PREFIX) && name.length() > REGISTRY_ENV_PREFIX.length()) {
        settings.put("schema.registry." + dotted(name.substring(REGISTRY_ENV_PREFIX.length())), value);
      }
    });
    ENVIRONMENT.forEach((name, key) -> {
      String value = environment.get(name);
      if (value != null && !value.isBlank()) {
        settings.put(key, value.trim());
      }
    });
    return settings;
  }

  /** Environment variable -> key for the named settings, for documentation and {@code --help}. */
  public static Map<String, String> environmentNames() {
    return Collections.unmodifiableMap(ENVIRONMENT);
  }

  private static String dotted(String name) {
    return name.toLowerCase(Locale.ROOT).replace('_', '.');
  }

  public String bootstrapServers() {
    return settings.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
  }

  public String applicationId() {
    return settings.get(StreamsConfig.APPLICATION_ID_CONFIG);
  }

  public Path modelDir() {
    return Path.of(settings.get(MODEL_DIR));
  }

  public String inputTopic() {
    return settings.get(TOPIC_INPUT);
  }

  public String classifiedTopic() {
    return settings.get(TOPIC_CLASSIFIED);
  }

  public String aggregatesTopic() {
    return settings.get(TOPIC_AGGREGATES);
  }

  public String deadLetterTopic() {
    return settings.get(TOPIC_DLQ);
  }

  /** Records per inference batch: a batch is classified as soon as it holds this many. */
  public int batchSize() {
    return positiveInt(BATCH_SIZE);
  }

  /** Longest time a record waits in a partial batch before the batch is classified anyway. */
  public Duration maxBatchWait() {
    return Duration.ofMillis(positiveInt(BATCH_MAX_WAIT_MS));
  }

  /** Size of the tumbling windows of the windowed accuracy figures. */
  public Duration window() {
    return Duration.ofMillis(positiveInt(AGGREGATES_WINDOW_MS));
  }

  /** How late, by capture time, an item may arrive and still count in its window. */
  public Duration windowGrace() {
    int grace = integer(AGGREGATES_GRACE_MS);
    if (grace < 0) {
      throw new IllegalArgumentException(AGGREGATES_GRACE_MS + " must be 0 or more, not " + grace);
    }
    return Duration.ofMillis(grace);
  }

  public boolean createTopics() {
    return Boolean.parseBoolean(settings.get(TOPICS_CREATE));
  }

  public int topicPartitions() {
    return positiveInt(TOPICS_PARTITIONS);
  }

  /** Replication factor of created topics; -1 for the broker's default. */
  public short topicReplication() {
    int value = integer(TOPICS_REPLICATION);
    if (value == 0 || value < -1 || value > Short.MAX_VALUE) {
      throw new IllegalArgumentException(TOPICS_REPLICATION + " must be -1 or a positive number, not " + value);
    }
    return (short) value;
  }

  /** Flip test-time augmentation forced on or off, or empty to predict as the bundle was evaluated. */
  public Optional<Boolean> flipTta() {
    String value = settings.get(MODEL_FLIP_TTA).trim().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "bundle" -> Optional.empty();
      case "true" -> Optional.of(true);
      case "false" -> Optional.of(false);
      default -> throw new IllegalArgumentException(
          MODEL_FLIP_TTA + " must be bundle, true or false, not '" + value + "'");
    };
  }

  public int httpPort() {
    int port = integer(HTTP_PORT);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(HTTP_PORT + " must be a port number (0-65535), not " + port);
    }
    return port;
  }

  /** How long the brokers may take to answer at start-up before the classifier gives up. */
  public Duration startupTimeout() {
    return Duration.ofMillis(positiveInt(STARTUP_TIMEOUT_MS));
  }

  public String get(String key) {
    return settings.get(key);
  }

  /** The topology's own settings. */
  public ClassifierTopology.Settings topologySettings() {
    return new ClassifierTopology.Settings(
        inputTopic(), classifiedTopic(), aggregatesTopic(), deadLetterTopic(), batchSize(), maxBatchWait(),
        window(), windowGrace());
  }

  /**
   * Kafka Streams properties: every pass-through key, with the classifier's defaults for the dead-letter queue
   * (KIP-1034) and the error handlers put in only where the user set nothing.
   */
  public Properties streamsProperties() {
    Properties props = new Properties();
    settings.forEach((key, value) -> {
      if (!key.startsWith("fashion.")) {
        props.put(key, value);
      }
    });
    props.putIfAbsent(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic());
    props.putIfAbsent(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetters.DeserializationHandler.class);
    props.putIfAbsent(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetters.ProcessingHandler.class);
    // The topology has no global stores; this opts into Kafka 5.0's default now. (Kafka Streams still logs the
    // warning once, from the copy of the config its partition assignor makes without this key.)
    props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
    // Wall-clock punctuation (the partial-batch flush) only runs between polls: an idle poll must not outlast
    // the longest wait a record may spend in a batch.
    props.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, Long.toString(Math.min(100, maxBatchWait().toMillis())));
    props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    // Changelog and repartition topic names must not change when the topology does: every one is named.
    props.putIfAbsent(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
    props.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    return props;
  }

  /**
   * Settings for the Avro serdes: like Confluent's serdes they take the whole client configuration and read the
   * keys they know ({@code schema.registry.url}, {@code basic.auth.*}, {@code schema.registry.ssl.*},
   * {@code auto.register.schemas}, ...).
   */
  public Map<String, Object> serdeConfig() {
    Map<String, Object> config = new LinkedHashMap<>();
    settings.forEach((key, value) -> {
      if (!key.startsWith("fashion.")) {
        config.put(key, value);
      }
    });
    if (config.containsKey(REGISTRY_USER_INFO)) {
      config.putIfAbsent("basic.auth.credentials.source", "USER_INFO");
    }
    return config;
  }

  /** Admin client settings: the pass-through keys that an admin client understands (security included). */
  public Map<String, Object> adminConfig() {
    Map<String, Object> config = new LinkedHashMap<>();
    streamsProperties().forEach((key, value) -> config.put((String) key, value));
    return config;
  }

  private int positiveInt(String key) {
    int value = integer(key);
    if (value <= 0) {
      throw new IllegalArgumentException(key + " must be positive, not " + value);
    }
    return value;
  }

  private int integer(String key) {
    String value = settings.get(key);
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException(key + " must be a whole number, not '" + value + "'", e);
    }
  }

  @Override
  public String toString() {
    Map<String, String> safe = new LinkedHashMap<>();
    settings.forEach((key, value) -> safe.put(key, isSecret(key) ? "[hidden]" : value));
    return safe.toString();
  }

  private static boolean isSecret(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return lower.contains("password") || lower.contains("jaas") || lower.contains("user.info")
        || lower.contains("secret") || lower.contains("token");
  }
}
