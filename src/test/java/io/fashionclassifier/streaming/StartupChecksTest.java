package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fashionclassifier.local.KafkaBroker;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** Start-up fails fast, with one line saying what is wrong, before any stream thread starts. */
class StartupChecksTest {

  @Test
  void unreachableBrokersAreReportedWithTheAddressTried() {
    ClassifierConfig config = ClassifierConfig.of(Map.of(
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
        ClassifierConfig.STARTUP_TIMEOUT_MS, "2000",
        ClassifierConfig.HTTP_PORT, "0"));

    assertThatThrownBy(() -> ClassifierApp.start(config, FakeClassifier::new))
        .isInstanceOf(StreamingException.class)
        .hasMessageStartingWith("cannot reach Kafka at 127.0.0.1:1 within 2000 ms");
  }

  @Test
  void missingTopicsAreNamedWhenTheClassifierMayNotCreateThem() {
    String run = UUID.randomUUID().toString().substring(0, 8);
    ClassifierConfig config = ClassifierConfig.of(Map.of(
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.shared().bootstrapServers(),
        ClassifierConfig.TOPIC_INPUT, "absent-input-" + run,
        ClassifierConfig.TOPIC_DLQ, "absent-dlq-" + run,
        ClassifierConfig.TOPICS_CREATE, "false",
        ClassifierConfig.HTTP_PORT, "0"));

    assertThatThrownBy(() -> ClassifierApp.start(config, FakeClassifier::new))
        .isInstanceOf(StreamingException.class)
        .hasMessageContaining("absent-input-" + run)
        .hasMessageContaining("absent-dlq-" + run)
        .hasMessageEndingWith("set fashion.topics.create=true to let the classifier create them");
  }
}
