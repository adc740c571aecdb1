package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The topics the classifier creates, on a real broker. */
class TopicsTest {

  @Test
  void theAggregatesTopicIsCompactedAndItsKeysEndAfterTheRetention() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String aggregates = "aggregates-" + run;
    ClassifierConfig config = ClassifierConfig.of(Map.of(
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.shared().bootstrapServers(),
        ClassifierConfig.TOPIC_INPUT, "input-" + run,
        ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + run,
        ClassifierConfig.TOPIC_AGGREGATES, aggregates,
        ClassifierConfig.TOPIC_DLQ, "dlq-" + run,
        ClassifierConfig.TOPICS_PARTITIONS, "1"));
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.shared().bootstrapServers());

    try (Admin admin = Admin.create(props)) {
      Topics.ensure(admin, config, Duration.ofDays(2));

      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, aggregates);
      Config created = admin.describeConfigs(List.of(topic)).all().get().get(topic);
      assertThat(created.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact,delete");
      assertThat(created.get(TopicConfig.RETENTION_MS_CONFIG).value())
          .isEqualTo(Long.toString(Duration.ofDays(2).toMillis()));
    }
  }
}
