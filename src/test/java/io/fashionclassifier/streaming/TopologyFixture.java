package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The production topology in a {@link TopologyTestDriver}, with {@link FakeClassifier}s and a mock registry. */
final class TopologyFixture implements AutoCloseable {

  static final String INPUT = "inventory-images";
  static final String CLASSIFIED = "classified-items";
  static final String AGGREGATES = "accuracy-aggregates";
  static final String DLQ = "inventory-dlq";
  static final Instant START = Instant.parse("2026-11-29T10:00:00Z");

  final String registryUrl = "mock://topology-" + UUID.randomUUID();
  final String applicationId = "topology-test-" + UUID.randomUUID();
  final List<FakeClassifier> classifiers = new CopyOnWriteArrayList<>();
  final ClassifierMetrics metrics = new ClassifierMetrics(new SimpleMeterRegistry());
  final TopologyTestDriver driver;
  final SpecificAvroSerializer<InventoryImage> images = new SpecificAvroSerializer<>();
  final TestInputTopic<String, byte[]> input;
  final TestOutputTopic<String, ClassifiedItem> classified;
  final TestOutputTopic<String, AccuracyAggregate> aggregates;
  final TestOutputTopic<byte[], byte[]> deadLetters;

  TopologyFixture(int batchSize, Duration maxWait) {
    this(batchSize, maxWait, Map.of());
  }

  /** With {@code settings} (classifier settings such as the accuracy window) over the test's own. */
  TopologyFixture(int batchSize, Duration maxWait, Map<String, String> settings) {
    this(batchSize, maxWait, settings, UnaryOperator.identity());
  }

  /** With topology settings that have no configuration key of their own yet, changed by {@code topology}. */
  TopologyFixture(int batchSize, Duration maxWait, Map<String, String> settings,
      UnaryOperator<ClassifierTopology.Settings> topology) {
    Map<String, String> all = new HashMap<>(Map.of(
        StreamsConfig.APPLICATION_ID_CONFIG, applicationId,
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
        ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl,
        ClassifierConfig.BATCH_SIZE, Integer.toString(batchSize),
        ClassifierConfig.BATCH_MAX_WAIT_MS, Long.toString(maxWait.toMillis())));
    all.putAll(settings);
    ClassifierConfig config = ClassifierConfig.of(all);
    Properties props = config.streamsProperties();
    props.put(DeadLetters.METRICS_CONFIG, metrics);
    StreamsBuilder builder = new StreamsBuilder();
    ClassifierTopology.build(builder, topology.apply(config.topologySettings()), ClassifierApp.avroSerdes(config), () -> {
      FakeClassifier classifier = new FakeClassifier();
      classifiers.add(classifier);
      return classifier;
    }, metrics, new StreamProgress(config.livenessStall()));
    driver = new TopologyTestDriver(builder.build(props), props, START);
    images.configure(config.serdeConfig(), false);
    input = driver.createInputTopic(INPUT, new StringSerializer(), new ByteArraySerializer(), START, Duration.ZERO);
    var aggregateSerde = ClassifierApp.avroSerdes(config).aggregates();
    var itemSerde = ClassifierApp.avroSerdes(config).classifiedItems();
    classified = driver.createOutputTopic(CLASSIFIED, new StringDeserializer(), itemSerde.deserializer());
    aggregates = driver.createOutputTopic(AGGREGATES, new StringDeserializer(), aggregateSerde.deserializer());
    deadLetters = driver.createOutputTopic(DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  byte[] bytes(InventoryImage image) {
    return images.serialize(INPUT, image);
  }

  void pipe(InventoryImage image) {
    input.pipeInput(image.getItemId(), bytes(image));
  }

  void pipe(InventoryImage image, Instant timestamp) {
    input.pipeInput(image.getItemId(), bytes(image), timestamp);
  }

  List<Integer> batchSizes() {
    return classifiers.stream().flatMap(c -> c.batchSizes.stream()).toList();
  }

  private boolean closed;

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    driver.close();
    MockSchemaRegistry.dropScope(registryUrl.substring("mock://".length()));
  }
}
