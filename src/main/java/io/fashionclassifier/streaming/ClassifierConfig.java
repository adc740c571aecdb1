package io.fashionclassifier.streaming;

import io.fashionclassifier.config.EnvironmentNames;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Settings of the stream classifier, read from (lowest precedence first) the defaults, a properties file, the
 * environment and explicit overrides (command-line options).
 *
 * <p>One flat key space. Keys starting with {@code fashion.} are the classifier's own; keys starting with
 * {@code schema.registry.} or {@code basic.auth.} go to the Avro serdes; every other key is a Kafka client or Kafka
 * Streams property and is passed through unchanged (e.g. {@code security.protocol}, {@code sasl.jaas.config}).
 *
 * <p>{@link #DEFINITION} is the one definition of every named setting (type, default, validator, doc), as Kafka's
 * own configs are defined, and this class reads it as Kafka's configs do ({@link AbstractConfig}); its environment
 * variable follows from the key ({@link #environmentName}). The settings table in {@code docs/stream-classifier.md}
 * is generated from it ({@link #markdownTable()}), and a test keeps the two equal. Besides the named variables,
 * every environment variable {@code KAFKA_X_Y} becomes the Kafka property {@code x.y} and
 * {@code SCHEMA_REGISTRY_X_Y} becomes {@code schema.registry.x.y}, by the one rule of {@link EnvironmentNames}
 * ({@code __} for an underscore of the key).
 */
public final class ClassifierConfig extends AbstractConfig {

  public static final String MODEL_DIR = "fashion.model.dir";
  public static final String TOPIC_INPUT = "fashion.topic.input";
  public static final String TOPIC_CLASSIFIED = "fashion.topic.classified";
  public static final String TOPIC_AGGREGATES = "fashion.topic.aggregates";
  public static final String TOPIC_DLQ = "fashion.topic.dlq";
  public static final String BATCH_SIZE = "fashion.batch.size";
  public static final String BATCH_MAX_WAIT_MS = "fashion.batch.max.wait.ms";
  public static final String BATCH_COMMIT_PARTIAL = "fashion.batch.commit.partial";
  public static final String INFERENCE_THREADS = "fashion.inference.threads";
  public static final String INPUT_MAX_RECORD_BYTES = "fashion.input.max.record.bytes";
  public static final String AGGREGATES_WINDOW_MS = "fashion.aggregates.window.ms";
  public static final String AGGREGATES_GRACE_MS = "fashion.aggregates.grace.ms";
  public static final String TOPIC_HEALTH = "fashion.topic.health";
  public static final String HEALTH_ENABLED = "fashion.health.enabled";
  public static final String HEALTH_MIN_ITEMS = "fashion.health.min.items";
  public static final String HEALTH_ALARM_WINDOWS = "fashion.health.alarm.windows";
  public static final String HEALTH_PSI_THRESHOLD = "fashion.health.psi.threshold";
  public static final String HEALTH_LOW_MARGIN_INCREASE = "fashion.health.low.margin.increase";
  public static final String HEALTH_ACCURACY_DROP = "fashion.health.accuracy.drop";
  public static final String HEALTH_SKEW_MAX_MS = "fashion.health.skew.max.ms";
  public static final String HEALTH_LEFT_OUT_SHARE = "fashion.health.left.out.share";
  public static final String TOPICS_CREATE = "fashion.topics.create";
  public static final String TOPICS_PARTITIONS = "fashion.topics.partitions";
  public static final String TOPICS_REPLICATION = "fashion.topics.replication";
  public static final String HTTP_PORT = "fashion.http.port";
  public static final String HTTP_BIND_ADDRESS = "fashion.http.bind.address";
  public static final String HTTP_REQUEST_TIMEOUT_MS = "fashion.http.request.timeout.ms";
  public static final String LIVENESS_STALL_MS = "fashion.liveness.stall.ms";
  public static final String AGGREGATES_MAX_FUTURE_SKEW_MS = "fashion.aggregates.max.future.skew.ms";
  public static final String AGGREGATES_MAX_KEYS = "fashion.aggregates.max.keys";
  public static final String AGGREGATES_RETENTION_MS = "fashion.aggregates.retention.ms";
  public static final String MODEL_FLIP_TTA = "fashion.model.flip.tta";
  public static final String MODEL_POLL_MS = "fashion.model.poll.ms";
  public static final String STARTUP_TIMEOUT_MS = "fashion.startup.timeout.ms";
  public static final String SHUTDOWN_TIMEOUT_MS = "fashion.shutdown.timeout.ms";
  public static final String SHUTDOWN_LEAVE_GROUP = "fashion.shutdown.leave.group";
  public static final String OUTAGE_BACKOFF_MAX_MS = "fashion.outage.backoff.max.ms";
  public static final String AUDITS_ENABLED = "fashion.audits.enabled";
  public static final String TOPIC_AUDITS = "fashion.topic.audits";
  public static final String TOPIC_AUDITED = "fashion.topic.audited";
  public static final String AUDITS_RETENTION_MS = "fashion.audits.retention.ms";
  public static final String REVIEW_ENABLED = "fashion.review.enabled";
  public static final String TOPIC_REVIEW = "fashion.topic.review";
  public static final String REVIEW_CONFIDENCE_BELOW = "fashion.review.confidence.below";
  public static final String REVIEW_MARGIN_BELOW = "fashion.review.margin.below";
  public static final String REVIEW_SAMPLE_RATE = "fashion.review.sample.rate";
  public static final String REVIEW_SAMPLE_SEED = "fashion.review.sample.seed";
  public static final String REVIEW_BUDGET_PER_HOUR = "fashion.review.budget.per.hour";
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
  public static final String REGISTRY_USER_INFO = "basic.auth.user.info";

  /**
   * Room the classifier's own writes need beyond an input record: the changelog's framing, and the error headers of
   * a dead letter (capped in {@link DeadLetters}).
   */
  static final int INPUT_RECORD_HEADROOM = 16 * 1024;

  /** The largest batch: one batch must finish well inside the exactly-once transaction timeout. */
  public static final int MAX_BATCH_SIZE = 1024;

  private static final String PREFIX = "fashion.";
  private static final String ENV_PREFIX = "FASHION_";

  /** Environment names that do not follow {@link #environmentName}'s rule (kept for existing deployments). */
  private static final Map<String, String> ENVIRONMENT_EXCEPTIONS = Map.of(
      StreamsConfig.NUM_STREAM_THREADS_CONFIG, "FASHION_STREAM_THREADS",
      REGISTRY_USER_INFO, "FASHION_SCHEMA_REGISTRY_USER_INFO");

  /**
   * Kafka Streams settings that the classifier sets itself: the dead-letter topic and the registry-outage policy
   * depend on them, so a user value would silently remove that protection.
   */
  private static final Map<String, String> RESERVED = Map.of(
      StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, "dead letters and the registry-outage policy",
      StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, "dead letters and the registry-outage policy",
      StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, "oversized outputs and dead letters",
      StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "the dead-letter topic; set " + TOPIC_DLQ);

  private static final String TOPIC_NAME_DOC = " Created at start when missing (see fashion.topics.create).";

  /** Every named setting. */
  public static final ConfigDef DEFINITION = new ConfigDef()
      .define(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, Type.LIST, "localhost:9092",
          ConfigDef.LambdaValidator.with((name, value) -> {
            if (value == null || ((List<?>) value).isEmpty()) {
              throw new ConfigException(name + " must name at least one broker (host:port)");
            }
          }, () -> "host:port,..."), Importance.HIGH,
          "Kafka brokers to bootstrap from (host:port,...).")
      .define(StreamsConfig.APPLICATION_ID_CONFIG, Type.STRING, "fashion-classifier",
          new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Consumer group, transactional id prefix and internal topic prefix: every instance of one classifier "
              + "shares it.")
      .define(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Type.INT, 1, Range.between(1, 64), Importance.MEDIUM,
          "Stream threads, each with its own model instance. More than one needs MXNET_ENGINE_TYPE=NaiveEngine "
              + "in the environment (the launcher sets it for the stream command).")
      .define(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
          ConfigDef.ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE), Importance.MEDIUM,
          "exactly_once_v2 (every input is classified once, outputs are transactional) or at_least_once.")
      .define(SCHEMA_REGISTRY_URL, Type.STRING, "http://localhost:8081", new ConfigDef.NonEmptyString(),
          Importance.HIGH,
          "Schema Registry URL(s), comma-separated for failover, or mock://SCOPE for the in-process registry.")
      .define(REGISTRY_USER_INFO, Type.PASSWORD, null, Importance.MEDIUM,
          "Registry basic-auth credentials user:password; sets basic.auth.credentials.source=USER_INFO. Never "
              + "logged.")
      .define(MODEL_DIR, Type.STRING, "models/default", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "A model bundle directory (written by the train command), served as it is; or a model repository: a "
              + "directory of bundles with an 'active' pointer file (and optionally 'shadow'), watched so that new "
              + "versions go live without a restart (see Rollout).")
      .define(MODEL_POLL_MS, Type.LONG, 5_000L, Range.between(100, 3_600_000), Importance.LOW,
          "How often a model repository's pointers are read; a changed pointer goes live within this time plus "
              + "one batch. Unused for a single bundle.")
      .define(MODEL_FLIP_TTA, Type.STRING, "bundle",
          ConfigDef.CaseInsensitiveValidString.in("bundle", "true", "false"), Importance.LOW,
          "Flip test-time augmentation: bundle (as the bundle was evaluated), or true/false to force it on or "
              + "off (off halves the model's work).")
      .define(TOPIC_INPUT, Type.STRING, "inventory-images", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Topic of the scanners' images (Avro InventoryImage)." + TOPIC_NAME_DOC)
      .define(TOPIC_CLASSIFIED, Type.STRING, "classified-items", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Topic of the verdicts (Avro ClassifiedItem, key: item id)." + TOPIC_NAME_DOC)
      .define(TOPIC_AGGREGATES, Type.STRING, "accuracy-aggregates", new ConfigDef.NonEmptyString(),
          Importance.HIGH, "Topic of the accuracy figures (Avro AccuracyAggregate)." + TOPIC_NAME_DOC)
      .define(TOPIC_DLQ, Type.STRING, "inventory-dlq", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Dead-letter topic: records that cannot be classified, original bytes with reason headers."
              + TOPIC_NAME_DOC)
      .define(BATCH_SIZE, Type.INT, 64, Range.between(1, MAX_BATCH_SIZE), Importance.MEDIUM,
          "Images per model call: a batch is classified as soon as it holds this many. Bounded so that one "
              + "batch finishes well inside the exactly-once transaction timeout.")
      .define(BATCH_MAX_WAIT_MS, Type.LONG, 10L, Range.between(1, 3_600_000), Importance.MEDIUM,
          "Longest time an image waits in a partial batch before the batch is classified anyway.")
      .define(BATCH_COMMIT_PARTIAL, Type.BOOLEAN, true, Importance.MEDIUM,
          "Request a commit after each batch classified before it was full (its oldest image had waited "
              + BATCH_MAX_WAIT_MS + "): below full load, the verdicts are then visible to read_committed consumers "
              + "as soon as their batch is done rather than at the next commit.interval.ms. Full batches, at full "
              + "load, leave commits to commit.interval.ms, so that throughput does not pay for it.")
      .define(INFERENCE_THREADS, Type.INT, 1, Range.between(1, 64), Importance.MEDIUM,
          "Threads the model runs on, apart from the stream threads, shared by all tasks: each task has at most "
              + "one batch there at a time, and batches wait their turn first come, first served. One thread "
              + "already uses every core through MXNet's OpenMP threads (OMP_NUM_THREADS); more than one needs "
              + "MXNET_ENGINE_TYPE=NaiveEngine, and OMP_NUM_THREADS times this should not exceed the cores.")
      .define(INPUT_MAX_RECORD_BYTES, Type.INT, 64 * 1024, Range.between(4 * 1024, 512 * 1024),
          Importance.LOW,
          "Largest input record the classifier takes: key, value and headers, uncompressed. A larger one goes to the "
              + "dead-letter topic at arrival (without its headers when they are what is too large), so that no input "
              + "can make the buffer's changelog record, or its dead letter, exceed the producer's max.request.size "
              + "(which must be at least this plus " + INPUT_RECORD_HEADROOM + " bytes).")
      .define(AGGREGATES_WINDOW_MS, Type.LONG, 60_000L, Range.atLeast(1), Importance.LOW,
          "Size of the tumbling windows of the windowed accuracy figures.")
      .define(AGGREGATES_GRACE_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.LOW,
          "How late, by capture time, an item may arrive and still count in its window.")
      .define(AGGREGATES_MAX_FUTURE_SKEW_MS, Type.LONG, 60_000L, Range.atLeast(0), Importance.LOW,
          "A capture time further than this ahead of the classifier's clock counts at the classifier's clock in the "
              + "accuracy windows (and in fashion_aggregates_future_skew_total), so one bad clock cannot close the "
              + "windows of every other item.")
      .define(AGGREGATES_MAX_KEYS, Type.INT, 1000, Range.atLeast(1), Importance.LOW,
          "Distinct scanner ids, and distinct warehouse ids, the application counts under their own key (the first "
              + "ones to reach the single admission task, for good); later ones count under SCANNER:(other) / "
              + "WAREHOUSE:(other) and in fashion_aggregates_overflow_total.")
      .define(AGGREGATES_RETENTION_MS, Type.LONG, 604_800_000L, Range.atLeast(1), Importance.LOW,
          "How long a figure stays on the aggregates topic after its last update (retention.ms of the "
              + "compact,delete topic the classifier creates): closed windows and retired scanners leave it.")
      .define(HEALTH_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
          "Compute the label-free model-health figures, drift scores and alarms per scanner, warehouse and model "
              + "version (docs/model-health.md).")
      .define(TOPIC_HEALTH, Type.STRING, "model-health", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "Topic of the model-health windows, alarms and clears (Avro ModelHealth)." + TOPIC_NAME_DOC)
      .define(HEALTH_MIN_ITEMS, Type.INT, 100, Range.atLeast(1), Importance.LOW,
          "Fewest verdicts a health window needs for its signals to be judged; smaller windows are reported but "
              + "neither raise nor clear an alarm.")
      .define(HEALTH_ALARM_WINDOWS, Type.INT, 3, Range.between(1, 1000), Importance.LOW,
          "Consecutive judged windows over a threshold that raise an ALARM, and within it that CLEAR it.")
      .define(HEALTH_PSI_THRESHOLD, Type.DOUBLE, 0.2, Range.atLeast(0), Importance.LOW,
          "Population stability index, against the bundle's validation reference, of the predicted-class mix "
              + "(CLASS_MIX) or of the confidence histogram (CONFIDENCE) at which a window is over.")
      .define(HEALTH_LOW_MARGIN_INCREASE, Type.DOUBLE, 0.1, Range.between(0, 1), Importance.LOW,
          "Increase of the share of low-margin predictions (top two within 0.1) over the reference's at which a "
              + "window is over (LOW_MARGIN).")
      .define(HEALTH_ACCURACY_DROP, Type.DOUBLE, 0.05, Range.between(0, 1), Importance.LOW,
          "Drop of the estimated accuracy (mean calibrated confidence) below the reference's at which a window is "
              + "over (ESTIMATED_ACCURACY).")
      .define(HEALTH_SKEW_MAX_MS, Type.LONG, 30_000L, Range.atLeast(1), Importance.LOW,
          "Mean classified time minus capture time, either way, at which a window is over (SKEW): a scanner clock "
              + "that lags or leads by this much.")
      .define(HEALTH_LEFT_OUT_SHARE, Type.DOUBLE, 0.05, Range.between(0, 1), Importance.LOW,
          "Share of a window's verdicts that no windowed accuracy figure counts (capture window closed before "
              + "they were classified) at which a window is over (LEFT_OUT).")
      .define(TOPICS_CREATE, Type.BOOLEAN, true, Importance.LOW,
          "Create missing topics at start; false fails at start naming the missing ones.")
      .define(TOPICS_PARTITIONS, Type.INT, 6, Range.between(1, 100_000), Importance.LOW,
          "Partitions of the topics the classifier creates.")
      .define(TOPICS_REPLICATION, Type.SHORT, (short) -1, replicationFactor(), Importance.LOW,
          "Replication factor of the topics the classifier creates; -1 for the brokers' default.")
      .define(HTTP_PORT, Type.INT, 8080, Range.between(0, 65535), Importance.MEDIUM,
          "Port of /health, /ready and /metrics; 0 for any free port.")
      .define(HTTP_BIND_ADDRESS, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), Importance.LOW,
          "Address the HTTP server listens on (127.0.0.1 keeps probes and metrics local).")
      .define(HTTP_REQUEST_TIMEOUT_MS, Type.LONG, 5_000L, Range.between(1, 600_000), Importance.LOW,
          "How long an HTTP connection may be idle, and how long it may stay open at all, before it is closed, so "
              + "that idle, half-sent or trickled requests cannot pile up (they hold no thread either way).")
      .define(LIVENESS_STALL_MS, Type.LONG, 60_000L, Range.atLeast(1), Importance.MEDIUM,
          "/health fails when a record or batch has been worked on, or records have waited in a batch without a "
              + "flush, for longer than this: a stream thread stuck in a call that never returns gets the pod "
              + "restarted.")
      .define(STARTUP_TIMEOUT_MS, Type.LONG, 15_000L, Range.between(1, 600_000), Importance.LOW,
          "The brokers must answer within this time at start.")
      .define(SHUTDOWN_TIMEOUT_MS, Type.LONG, 20_000L, Range.between(1_000, 600_000), Importance.MEDIUM,
          "Upper bound of a clean stop (SIGTERM), even with the brokers gone; keep it below the pod's "
              + "terminationGracePeriodSeconds.")
      .define(SHUTDOWN_LEAVE_GROUP, Type.STRING, "auto", ConfigDef.CaseInsensitiveValidString.in("auto", "true",
              "false"), Importance.MEDIUM,
          "Whether a clean stop leaves the consumer group, so that the other instances take its partitions over at "
              + "once: true (a scale-in), false (the group waits session.timeout.ms for it to come back, e.g. a "
              + "rolling restart of static members), or auto: leave unless group.instance.id is set (static "
              + "membership, as the Helm chart's StatefulSet runs it), whose point is a restart without a rebalance.")
      .define(OUTAGE_BACKOFF_MAX_MS, Type.LONG, 30_000L, Range.between(100, 600_000), Importance.LOW,
          "Longest pause between retries while the schema registry is unavailable: the stream thread is "
              + "replaced and resumes from the last commit, with a backoff doubling up to this bound.")
      // audits and the review queue (docs/monitoring.md)
      .define(AUDITS_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
          "Join the audits of " + TOPIC_AUDITS + " with the verdicts and count them in the accuracy figures "
              + "(audited*, sampled*), sending each joined item to " + TOPIC_AUDITED + ". Off: no audit topic is "
              + "read and the figures hold the scan labels alone.")
      .define(TOPIC_AUDITS, Type.STRING, "item-audits", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "Topic of the audits (Avro ItemAudit, key: item id), when " + AUDITS_ENABLED + "." + TOPIC_NAME_DOC)
      .define(TOPIC_AUDITED, Type.STRING, "audited-items", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "Topic of the audited items (Avro AuditedItem: verdict and truth, key: item id), when " + AUDITS_ENABLED
              + "." + TOPIC_NAME_DOC)
      .define(AUDITS_RETENTION_MS, Type.LONG, 259_200_000L, Range.between(60_000, 2_592_000_000L),
          Importance.MEDIUM,
          "How long a verdict waits for its audits, and an audit for its verdict (then it is dead-lettered): the "
              + "bound of the join's state, and how long the windowed figures stay open for audits.")
      .define(REVIEW_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
          "Send unsure verdicts, and a random sample of all, to " + TOPIC_REVIEW + " for a person to check.")
      .define(TOPIC_REVIEW, Type.STRING, "review-requests", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "Topic of the review requests (Avro ReviewRequest, key: item id), when " + REVIEW_ENABLED + "."
              + TOPIC_NAME_DOC)
      .define(REVIEW_CONFIDENCE_BELOW, Type.DOUBLE, 0.5, Range.between(0, 1), Importance.MEDIUM,
          "A verdict whose confidence is below this is sent for review (LOW_CONFIDENCE); 0 sends none for it.")
      .define(REVIEW_MARGIN_BELOW, Type.DOUBLE, 0.1, Range.between(0, 1), Importance.MEDIUM,
          "A verdict whose two most probable classes are closer than this is sent for review (LOW_MARGIN); 0 "
              + "sends none for it.")
      .define(REVIEW_SAMPLE_RATE, Type.DOUBLE, 0.01, Range.between(0, 1), Importance.MEDIUM,
          "Share of all verdicts, whatever their confidence, sent for review (RANDOM_SAMPLE), chosen by a hash of "
              + "the item id and " + REVIEW_SAMPLE_SEED + ": their audits give the unbiased sampledAccuracy.")
      .define(REVIEW_SAMPLE_SEED, Type.LONG, 0L, Importance.LOW,
          "Seed of the random sample: another seed draws other items at the same rate; replays draw the same.")
      .define(REVIEW_BUDGET_PER_HOUR, Type.INT, 100, Range.atLeast(0), Importance.MEDIUM,
          "Review requests per scanner and hour (UTC, of the classified time); unsure verdicts beyond it are "
              + "counted in fashion_review_requests_total{outcome=over_budget}, not sent. Sampled ones are always "
              + "sent (and use up the budget), so the sample stays uniform.");

  private ClassifierConfig(Map<String, String> settings) {
    super(DEFINITION, settings, false);
  }

  /** The defaults alone, as strings (absent for settings without a default). */
  public static Map<String, String> defaults() {
    Map<String, String> defaults = new LinkedHashMap<>();
    DEFINITION.configKeys().forEach((name, key) -> {
      if (key.hasDefault() && key.defaultValue != null) {
        defaults.put(name, ConfigDef.convertToString(key.defaultValue, key.type));
      }
    });
    return defaults;
  }

  /**
   * Builds the configuration: defaults, then the file (when not null), then the environment, then {@code overrides}.
   *
   * @throws IllegalArgumentException for an unreadable file or bad values: one line per bad value, naming its key
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
    refuse(problems(settings));
    ClassifierConfig config = new ClassifierConfig(settings);
    refuse(config.conflicts(environment));
    return config;
  }

  private static void refuse(List<String> problems) {
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", problems));
    }
  }

  /** A configuration from explicit settings over the defaults (tests, embedding). */
  public static ClassifierConfig of(Map<String, String> overrides) {
    return load(null, Map.of(), overrides);
  }

  /** Every bad value at once, one line each, rather than the first only (which is all a ConfigDef parse gives). */
  private static List<String> problems(Map<String, String> settings) {
    List<String> problems = new ArrayList<>();
    DEFINITION.configKeys().values().forEach(key -> problem(key, settings.get(key.name)).ifPresent(problems::add));
    settings.keySet().stream()
        .filter(key -> key.startsWith(PREFIX) && !DEFINITION.names().contains(key))
        .sorted()
        .forEach(key -> problems.add(key + ": no such setting (the fashion.* settings are listed in "
            + "docs/stream-classifier.md)"));
    RESERVED.forEach((key, why) -> {
      if (settings.containsKey(key)) {
        problems.add(key + ": set by the classifier (" + why + "); remove it");
      }
    });
    return problems;
  }

  /** Settings valid one by one that do not go together (or not with the environment). */
  private List<String> conflicts(Map<String, String> environment) {
    List<String> problems = new ArrayList<>();
    long needed = (long) inputMaxRecordBytes() + INPUT_RECORD_HEADROOM;
    maxRequestSize(originalsStrings()).ifPresent(maxRequest -> {
      if (needed > maxRequest) {
        problems.add(INPUT_MAX_RECORD_BYTES + "=" + inputMaxRecordBytes() + " needs a producer max.request.size of "
            + "at least " + needed + " (it is " + maxRequest + "): lower the one or raise the other");
      }
    });
    for (String key : List.of(StreamsConfig.NUM_STREAM_THREADS_CONFIG, INFERENCE_THREADS)) {
      int threads = getInt(key);
      if (threads != 1 && !"NaiveEngine".equals(environment.get("MXNET_ENGINE_TYPE"))) {
        problems.add(key + "=" + threads + " runs MXNet on several "
            + "threads, which needs MXNET_ENGINE_TYPE=NaiveEngine in the environment: set it, or use 1 thread");
      }
    }
    return problems;
  }

  /**
   * What is wrong with one setting's value, if anything, told from its definition (its type and its validator's
   * valid values, as the docs table shows them) rather than from the words of ConfigDef's exceptions.
   */
  private static Optional<String> problem(ConfigDef.ConfigKey key, String value) {
    if (value == null) {
      return Optional.empty(); // no default and not set: an optional setting
    }
    String named = key.name + " (env " + environmentName(key.name) + ")";
    String shown = key.type == Type.PASSWORD ? "(hidden)" : "'" + value + "'";
    Object parsed;
    try {
      parsed = ConfigDef.parseType(key.name, value, key.type);
    } catch (ConfigException e) {
      return Optional.of(named + " must be " + typeName(key.type) + ", not " + shown);
    }
    if (key.validator != null) {
      try {
        key.validator.ensureValid(key.name, parsed);
      } catch (ConfigException e) {
        return Optional.of(named + " is " + shown + "; valid values: " + key.validator);
      }
    }
    return Optional.empty();
  }

  private static String typeName(Type type) {
    return switch (type) {
      case INT, LONG, SHORT -> "a whole number";
      case DOUBLE -> "a number";
      case BOOLEAN -> "true or false";
      case CLASS -> "a class name";
      default -> "a " + type.toString().toLowerCase(Locale.ROOT);
    };
  }

  /** The producers' {@code max.request.size} when set (the producer prefix wins, as in Kafka Streams). */
  private static Optional<Long> maxRequestSize(Map<String, String> settings) {
    String value = settings.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    if (value == null) {
      value = settings.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    }
    try {
      return value == null ? Optional.empty() : Optional.of(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty(); // Kafka's own validation names it
    }
  }

  /** The settings the environment holds, by key (see the class comment for the mapping). */
  static Map<String, String> fromEnvironment(Map<String, String> environment) {
    // generic mappings first, so the named FASHION_* variables win over them
    Map<String, String> settings = new LinkedHashMap<>(EnvironmentNames.withPrefix(environment, "KAFKA_", ""));
    settings.putAll(EnvironmentNames.withPrefix(environment, "SCHEMA_REGISTRY_", "schema.registry."));
    environmentNames().forEach((name, key) -> {
      String value = environment.get(name);
      if (value != null && !value.isBlank()) {
        settings.put(key, value.trim());
      }
    });
    return settings;
  }

  /**
   * The environment variable of a named setting: {@code FASHION_} and the key without {@code fashion.}, spelled by
   * {@link EnvironmentNames#variable}.
   */
  public static String environmentName(String key) {
    String exception = ENVIRONMENT_EXCEPTIONS.get(key);
    if (exception != null) {
      return exception;
    }
    return EnvironmentNames.variable(ENV_PREFIX, key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key);
  }

  /** Environment variable -> key for the named settings, for documentation, charts and {@code --help}. */
  public static Map<String, String> environmentNames() {
    Map<String, String> names = new LinkedHashMap<>();
    DEFINITION.names().stream().sorted(ClassifierConfig::byDefinitionOrder)
        .forEach(key -> names.put(environmentName(key), key));
    return Collections.unmodifiableMap(names);
  }

  private static int byDefinitionOrder(String a, String b) {
    List<String> order = new ArrayList<>(DEFINITION.configKeys().keySet());
    return Integer.compare(order.indexOf(a), order.indexOf(b));
  }

  /** The settings table of {@code docs/stream-classifier.md}, generated from {@link #DEFINITION}. */
  public static String markdownTable() {
    StringBuilder table = new StringBuilder(
        "| key | environment | type | default | valid values | what it does |\n"
            + "| --- | --- | --- | --- | --- | --- |\n");
    DEFINITION.configKeys().forEach((name, key) -> {
      String defaultValue = key.defaultValue == null ? "(none)" : ConfigDef.convertToString(key.defaultValue, key.type);
      String valid = key.validator == null ? "" : key.validator.toString();
      table.append("| `").append(name).append("` | `").append(environmentName(name)).append("` | ")
          .append(key.type.toString().toLowerCase(Locale.ROOT)).append(" | `").append(defaultValue).append("` | ")
          .append(valid.replace("|", "\\|")).append(" | ").append(key.documentation).append(" |\n");
    });
    return table.toString();
  }

  private static ConfigDef.Validator replicationFactor() {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        short factor = (Short) value;
        if (factor == 0 || factor < -1) {
          throw new ConfigException(name + " must be -1 or a positive number, not " + factor);
        }
      }

      @Override
      public String toString() {
        return "-1 or [1,...]";
      }
    };
  }

  public String bootstrapServers() {
    return String.join(",", getList(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
  }

  public String applicationId() {
    return getString(StreamsConfig.APPLICATION_ID_CONFIG);
  }

  public Path modelDir() {
    return Path.of(getString(MODEL_DIR));
  }

  public String inputTopic() {
    return getString(TOPIC_INPUT);
  }

  public String classifiedTopic() {
    return getString(TOPIC_CLASSIFIED);
  }

  public String aggregatesTopic() {
    return getString(TOPIC_AGGREGATES);
  }

  public String deadLetterTopic() {
    return getString(TOPIC_DLQ);
  }

  /** Records per inference batch: a batch is classified as soon as it holds this many. */
  public int batchSize() {
    return getInt(BATCH_SIZE);
  }

  public int inferenceThreads() {
    return getInt(INFERENCE_THREADS);
  }

  /** Whether a batch classified before it was full requests a commit. */
  public boolean commitPartialBatches() {
    return getBoolean(BATCH_COMMIT_PARTIAL);
  }

  /** Largest input record (key, value and headers, uncompressed) the classifier takes; larger ones are dead letters. */
  public int inputMaxRecordBytes() {
    return getInt(INPUT_MAX_RECORD_BYTES);
  }

  /** Longest time a record waits in a partial batch before the batch is classified anyway. */
  public Duration maxBatchWait() {
    return millis(BATCH_MAX_WAIT_MS);
  }

  /** Size of the tumbling windows of the windowed accuracy figures. */
  public Duration window() {
    return millis(AGGREGATES_WINDOW_MS);
  }

  /** How late, by capture time, an item may arrive and still count in its window. */
  public Duration windowGrace() {
    return millis(AGGREGATES_GRACE_MS);
  }

  /** How far ahead of the classifier's clock a capture time may be and still be windowed at its own time. */
  public Duration maxFutureSkew() {
    return millis(AGGREGATES_MAX_FUTURE_SKEW_MS);
  }

  /** Scanner ids, and warehouse ids, counted under their own key. */
  public int maxKeysPerScope() {
    return getInt(AGGREGATES_MAX_KEYS);
  }

  public boolean createTopics() {
    return getBoolean(TOPICS_CREATE);
  }

  public int topicPartitions() {
    return getInt(TOPICS_PARTITIONS);
  }

  /** Replication factor of created topics; -1 for the broker's default. */
  public short topicReplication() {
    return getShort(TOPICS_REPLICATION);
  }

  /** How often a model repository's pointers are read. */
  public Duration modelPollInterval() {
    return millis(MODEL_POLL_MS);
  }

  /** Flip test-time augmentation forced on or off, or empty to predict as the bundle was evaluated. */
  public Optional<Boolean> flipTta() {
    String value = getString(MODEL_FLIP_TTA).trim().toLowerCase(Locale.ROOT);
    return value.equals("bundle") ? Optional.empty() : Optional.of(Boolean.parseBoolean(value));
  }

  public int httpPort() {
    return getInt(HTTP_PORT);
  }

  public String httpBindAddress() {
    return getString(HTTP_BIND_ADDRESS);
  }

  public Duration httpRequestTimeout() {
    return millis(HTTP_REQUEST_TIMEOUT_MS);
  }

  public Duration livenessStall() {
    return millis(LIVENESS_STALL_MS);
  }

  public Duration aggregatesRetention() {
    return millis(AGGREGATES_RETENTION_MS);
  }

  /** Whether the model-health figures are computed. */
  public boolean healthEnabled() {
    return getBoolean(HEALTH_ENABLED);
  }

  public String healthTopic() {
    return getString(TOPIC_HEALTH);
  }

  /** The model-health figures' own settings. */
  public HealthTopology.Settings healthSettings() {
    return new HealthTopology.Settings(healthEnabled(), healthTopic(), getInt(HEALTH_MIN_ITEMS),
        getInt(HEALTH_ALARM_WINDOWS), getDouble(HEALTH_PSI_THRESHOLD), getDouble(HEALTH_LOW_MARGIN_INCREASE),
        getDouble(HEALTH_ACCURACY_DROP), millis(HEALTH_SKEW_MAX_MS), getDouble(HEALTH_LEFT_OUT_SHARE));
  }

  /** How long the brokers may take to answer at start-up before the classifier gives up. */
  public Duration startupTimeout() {
    return millis(STARTUP_TIMEOUT_MS);
  }

  /** Upper bound of {@link ClassifierApp#close()}. */
  public Duration shutdownTimeout() {
    return millis(SHUTDOWN_TIMEOUT_MS);
  }

  /**
   * Whether {@link ClassifierApp#close()} leaves the group ({@link #SHUTDOWN_LEAVE_GROUP}): a dynamic member that
   * stays is only a wait for its session to expire, since it comes back, if at all, as a new member; a static one
   * that stays gets its partitions back on a restart within the session timeout.
   */
  public boolean leaveGroupOnShutdown() {
    String setting = getString(SHUTDOWN_LEAVE_GROUP).toLowerCase(Locale.ROOT);
    if (!setting.equals("auto")) {
      return Boolean.parseBoolean(setting);
    }
    Properties props = streamsProperties();
    return List.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
            StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).stream()
        .map(props::getProperty)
        .allMatch(value -> value == null || value.isBlank());
  }

  /** Longest pause between retries during a registry outage. */
  public Duration outageBackoffMax() {
    return millis(OUTAGE_BACKOFF_MAX_MS);
  }

  private Duration millis(String key) {
    return Duration.ofMillis(getLong(key));
  }

  /** The value of any key as it was given (or defaulted), named or passed through; null when not set. */
  public String setting(String key) {
    return originalsStrings().get(key);
  }

  /** The topology's own settings. */
  public ClassifierTopology.Settings topologySettings() {
    return new ClassifierTopology.Settings(
        inputTopic(), classifiedTopic(), aggregatesTopic(), deadLetterTopic(), batchSize(), maxBatchWait(),
        window(), windowGrace(), maxFutureSkew(), maxKeysPerScope(), commitPartialBatches(), inputMaxRecordBytes(),
        healthSettings());
  }

  /** Whether the audit join runs. */
  public boolean auditsEnabled() {
    return getBoolean(AUDITS_ENABLED);
  }

  /** Whether the review queue runs. */
  public boolean reviewEnabled() {
    return getBoolean(REVIEW_ENABLED);
  }

  /** How long a verdict waits for its audits, and an audit for its verdict. */
  public Duration auditsRetention() {
    return millis(AUDITS_RETENTION_MS);
  }

  /** The audits and the review queue: what runs, and with which settings. */
  public String auditsTopic() {
    return getString(TOPIC_AUDITS);
  }

  public String reviewTopic() {
    return getString(TOPIC_REVIEW);
  }

  public QualityTopology.Settings qualitySettings() {
    Optional<QualityTopology.Audits> audits = auditsEnabled()
        ? Optional.of(new QualityTopology.Audits(getString(TOPIC_AUDITS), getString(TOPIC_AUDITED),
            auditsRetention()))
        : Optional.empty();
    Optional<QualityTopology.Review> review = reviewEnabled()
        ? Optional.of(new QualityTopology.Review(getString(TOPIC_REVIEW), getDouble(REVIEW_CONFIDENCE_BELOW),
            getDouble(REVIEW_MARGIN_BELOW), getDouble(REVIEW_SAMPLE_RATE), getLong(REVIEW_SAMPLE_SEED),
            getInt(REVIEW_BUDGET_PER_HOUR)))
        : Optional.empty();
    return new QualityTopology.Settings(audits, review);
  }

  /** The keys passed through to Kafka and the serdes: everything but the classifier's own. */
  private Map<String, String> passThrough() {
    Map<String, String> config = new LinkedHashMap<>();
    originalsStrings().forEach((key, value) -> {
      if (!key.startsWith(PREFIX)) {
        config.put(key, value);
      }
    });
    return config;
  }

  /**
   * Kafka Streams properties: every pass-through key, with the classifier's own dead-letter queue (KIP-1034), error
   * handlers and defaults.
   */
  public Properties streamsProperties() {
    Properties props = new Properties();
    props.putAll(passThrough());
    props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic());
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetters.DeserializationHandler.class);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetters.ProcessingHandler.class);
    props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetters.ProductionHandler.class);
    // The topology has no global stores; this opts into Kafka 5.0's default now. (Kafka Streams still logs the
    // warning once, from the copy of the config its partition assignor makes without this key.)
    props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
    // Wall-clock punctuation (the partial-batch flush, and forwarding a batch the model has finished) and the commit
    // it requests only run between polls: an idle poll must not outlast half the longest wait a record may spend in
    // a batch, nor keep a finished batch waiting for long.
    props.putIfAbsent(StreamsConfig.POLL_MS_CONFIG,
        Long.toString(Math.max(1, Math.min(MicroBatcher.COLLECT_INTERVAL.toMillis(), maxBatchWait().toMillis() / 2))));
    props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    // Under exactly-once (transaction version 2) the first send of a transaction begun right after a commit is
    // answered CONCURRENT_TRANSACTIONS until the brokers have written the previous one's markers, a matter of
    // milliseconds; the producer's default backoff (100 ms, doubling to 1 s) turned that into stalls of up to a
    // second between capture and visibility (docs/benchmarks.md).
    props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), "5");
    props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG), "100");
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
    Map<String, Object> config = new LinkedHashMap<>(passThrough());
    if (config.containsKey(REGISTRY_USER_INFO)) {
      config.putIfAbsent("basic.auth.credentials.source", "USER_INFO");
    }
    return config;
  }

  /**
   * Settings for plain clients (admin, and the producers and consumers of scan, watch and demo): the pass-through
   * keys every Kafka client understands (brokers, security, timeouts), not the Streams ones.
   */
  public Map<String, Object> clientConfig() {
    Set<String> clientKeys = AdminClientConfig.configNames();
    Map<String, Object> config = new LinkedHashMap<>();
    passThrough().forEach((key, value) -> {
      if (clientKeys.contains(key)) {
        config.put(key, value);
      }
    });
    return config;
  }

  @Override
  public String toString() {
    Map<String, String> safe = new LinkedHashMap<>();
    originalsStrings().forEach((key, value) -> safe.put(key, isSecret(key) ? "[hidden]" : value));
    return safe.toString();
  }

  static boolean isSecret(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return lower.contains("password") || lower.contains("jaas") || lower.contains("user.info")
        || lower.contains("secret") || lower.contains("token") || lower.endsWith(".key");
  }
}
