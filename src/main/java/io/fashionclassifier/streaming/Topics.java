package io.fashionclassifier.streaming;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before the topology starts, that the brokers answer and the four topics exist, and those of the audits,
 * the review queue and the model health when they run (creating them if asked).
 */
final class Topics {

  private static final Logger log = LoggerFactory.getLogger(Topics.class);
  /** As Kafka's own default {@code retention.ms}. */
  static final Duration DEFAULT_AGGREGATES_RETENTION = Duration.ofDays(7);

  private Topics() {}

  static void ensure(Admin admin, ClassifierConfig config) {
    ensure(admin, config, DEFAULT_AGGREGATES_RETENTION);
  }

  /**
   * @param aggregatesRetention how long a figure stays on the aggregates topic after its last update (when the
   *     classifier creates the topic)
   */
  static void ensure(Admin admin, ClassifierConfig config, Duration aggregatesRetention) {
    long timeout = config.startupTimeout().toMillis();
    Set<String> existing;
    try {
      admin.describeCluster().nodes().get(timeout, TimeUnit.MILLISECONDS);
      existing = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthenticationException refused) {
        throw new StreamingException("Kafka at " + config.bootstrapServers() + " refused the connection: "
            + oneLine(refused) + ": check the security settings (security.protocol, sasl.*, ssl.truststore.*)");
      }
      throw new StreamingException("cannot reach Kafka at " + config.bootstrapServers() + " within "
          + timeout + " ms (" + oneLine(e.getCause()) + "): check bootstrap.servers (FASHION_BOOTSTRAP_SERVERS) "
          + "and the security settings");
    } catch (TimeoutException e) {
      throw new StreamingException("cannot reach Kafka at " + config.bootstrapServers() + " within "
          + timeout + " ms: check bootstrap.servers (FASHION_BOOTSTRAP_SERVERS) and the security settings");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StreamingException("interrupted while connecting to Kafka", e);
    }

    Map<String, Map<String, String>> wanted = new LinkedHashMap<>();
    wanted.put(config.inputTopic(), Map.of());
    wanted.put(config.classifiedTopic(), Map.of());
    wanted.put(config.aggregatesTopic(), aggregatesTopicConfig(aggregatesRetention));
    wanted.put(config.deadLetterTopic(), Map.of());
    config.qualitySettings().topics().forEach(topic -> wanted.put(topic, Map.of()));
    if (config.healthEnabled()) {
      wanted.put(config.healthTopic(), Map.of());
    }
    List<String> missing = new ArrayList<>();
    wanted.keySet().forEach(topic -> {
      if (!existing.contains(topic)) {
        missing.add(topic);
      }
    });
    if (missing.isEmpty()) {
      return;
    }
    if (!config.createTopics()) {
      throw new StreamingException("missing Kafka topic(s) " + String.join(", ", missing)
          + ": create them, or set " + ClassifierConfig.TOPICS_CREATE + "=true to let the classifier create them");
    }
    List<NewTopic> topics = new ArrayList<>();
    Optional<Short> replication =
        config.topicReplication() < 0 ? Optional.empty() : Optional.of(config.topicReplication());
    for (String name : missing) {
      topics.add(new NewTopic(name, Optional.of(config.topicPartitions()), replication).configs(wanted.get(name)));
    }
    admin.createTopics(topics).values().forEach((name, future) -> {
      try {
        future.get(timeout, TimeUnit.MILLISECONDS);
        log.info("created topic {} ({} partitions)", name, config.topicPartitions());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new StreamingException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
        }
      } catch (TimeoutException e) {
        throw new StreamingException("creating topic " + name + " timed out", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StreamingException("interrupted while creating topic " + name, e);
      }
    });
  }

  /**
   * Each update of a figure replaces the last for its key, so compaction keeps the latest; time retention ends
   * the keys that stop being updated: closed windows (a new key every window), retired scanners. Figures are
   * stamped with the classifier's clock when emitted (see {@link ClassifierTopology}), so the retention counts
   * from a figure's last update; the stores keep counting, and a cumulative figure that left the topic comes back
   * with its full count at its next update.
   */
  static Map<String, String> aggregatesTopicConfig(Duration retention) {
    return Map.of(
        TopicConfig.CLEANUP_POLICY_CONFIG,
        TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
        TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
  }

  /** The deepest cause's message, on one line: an SSL failure's reason is three causes down. */
  private static String oneLine(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.replaceAll("\\s+", " ").trim();
  }
}
