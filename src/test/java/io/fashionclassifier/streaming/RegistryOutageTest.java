package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/** A schema registry outage stops the classifier instead of sending good records to the dead-letter topic. */
class RegistryOutageTest {

  @Test
  void unreachableRegistryFailsTheTaskAndDeadLettersNothing() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ClassifierConfig config = ClassifierConfig.of(Map.of(
        StreamsConfig.APPLICATION_ID_CONFIG, "outage-test-" + UUID.randomUUID(),
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
        ClassifierConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + closedPort,
        "max.retries", "0"));
    Properties props = config.streamsProperties();
    ClassifierMetrics metrics = new ClassifierMetrics(new SimpleMeterRegistry());
    props.put(DeadLetters.METRICS_CONFIG, metrics);
    StreamsBuilder builder = new StreamsBuilder();
    ClassifierTopology.build(builder, config.topologySettings(), ClassifierApp.avroSerdes(config),
        FakeClassifier::new, metrics, new StreamProgress(config.livenessStall()));

    // bytes a healthy producer wrote while the registry (here an in-process one) was up
    SpecificAvroSerializer<InventoryImage> producerSide = new SpecificAvroSerializer<>();
    producerSide.configure(Map.of("schema.registry.url", "mock://outage-" + UUID.randomUUID()), false);
    byte[] good = producerSide.serialize(TopologyFixture.INPUT, TestImages.image("item-1", 7, null));

    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(props), props)) {
      var input = driver.createInputTopic(TopologyFixture.INPUT, new StringSerializer(), new ByteArraySerializer());
      var deadLetters = driver.createOutputTopic(
          TopologyFixture.DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      var classified = driver.createOutputTopic(
          TopologyFixture.CLASSIFIED, new StringDeserializer(), new ByteArrayDeserializer());

      assertThatThrownBy(() -> input.pipeInput("item-1", good)).isInstanceOf(StreamsException.class);
      driver.advanceWallClockTime(Duration.ofSeconds(1));

      assertThat(deadLetters.isEmpty()).isTrue();
      assertThat(classified.isEmpty()).isTrue();
    }
  }
}
