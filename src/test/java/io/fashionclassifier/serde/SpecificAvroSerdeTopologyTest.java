package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The serde in a topology, with a {@code mock://} registry, as in Confluent's kafka-streams-examples. */
class SpecificAvroSerdeTopologyTest {

  private static final String INPUT = "inventory-images";
  private static final String OUTPUT = "labelled-images";
  private static final String DLQ = "inventory-images-dlq";

  private final String scope = TestRecords.uniqueScope();
  private final Map<String, String> serdeConfig = Map.of("schema.registry.url", "mock://" + scope);
  private TopologyTestDriver driver;

  /** Keeps the audited images: enough to show both serdes at work. */
  static Topology labelledImages(SpecificAvroSerde<InventoryImage> images) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(INPUT, Consumed.with(Serdes.String(), images))
        .filter((itemId, image) -> image.getLabel() != null)
        .to(OUTPUT, Produced.with(Serdes.String(), images));
    return builder.build();
  }

  @BeforeEach
  void startDriver() {
    SpecificAvroSerde<InventoryImage> images = new SpecificAvroSerde<>();
    images.configure(serdeConfig, false);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "serde-topology-test-" + UUID.randomUUID());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
    props.put(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    props.put("errors.dead.letter.queue.topic.name", DLQ);
    driver = new TopologyTestDriver(labelledImages(images), props);
  }

  @AfterEach
  void closeDriver() {
    driver.close();
    MockSchemaRegistry.dropScope(scope);
  }

  @Test
  void roundTripsImagesThroughTheTopology() {
    SpecificAvroSerde<InventoryImage> images = new SpecificAvroSerde<>();
    images.configure(serdeConfig, false);
    TestInputTopic<String, InventoryImage> input =
        driver.createInputTopic(INPUT, new StringSerializer(), images.serializer());
    TestOutputTopic<String, InventoryImage> output =
        driver.createOutputTopic(OUTPUT, new StringDeserializer(), images.deserializer());

    InventoryImage labelled = TestRecords.image("item-1", FashionClass.SNEAKER);
    input.pipeInput("item-1", labelled);
    input.pipeInput("item-2", TestRecords.image("item-2", null));

    assertThat(output.readKeyValuesToList()).extracting(kv -> kv.key, kv -> kv.value)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("item-1", labelled));
  }

  @Test
  void badBytesGoToTheDeadLetterTopicNamingTheSerdeException() {
    TestInputTopic<String, byte[]> raw =
        driver.createInputTopic(INPUT, new StringSerializer(), new ByteArraySerializer());
    TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(DLQ,
        new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer());

    raw.pipeInput("item-3", "{\"itemId\":\"item-3\"}".getBytes(StandardCharsets.UTF_8));

    TestRecord<byte[], byte[]> dead = dlq.readRecord();
    Header exception = dead.headers().lastHeader("__streams.errors.exception");
    assertThat(new String(exception.value(), StandardCharsets.UTF_8))
        .isEqualTo(UnknownMagicByteException.class.getName());
    assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{\"itemId\":\"item-3\"}");
  }
}
