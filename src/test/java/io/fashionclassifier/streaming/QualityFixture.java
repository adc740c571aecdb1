package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The production topology with the audits and the review queue ({@link QualityTopology}) in a
 * {@link TopologyTestDriver}, one image per batch, over a mock registry scope of its own.
 */
final class QualityFixture implements AutoCloseable {

  static final String AUDITS = "item-audits";
  static final String AUDITED = "audited-items";
  static final String REVIEW = "review-requests";
  static final Instant START = TopologyFixture.START;

  final String registryUrl = "mock://quality-" + UUID.randomUUID();
  final MeterRegistry meters = new SimpleMeterRegistry();
  final TopologyTestDriver driver;
  final TestInputTopic<String, byte[]> input;
  final TestInputTopic<String, byte[]> audits;
  final TestOutputTopic<String, ClassifiedItem> classified;
  final TestOutputTopic<String, AccuracyAggregate> aggregates;
  final TestOutputTopic<String, AuditedItem> audited;
  final TestOutputTopic<String, ReviewRequest> reviews;
  final TestOutputTopic<byte[], byte[]> deadLetters;
  private final SpecificAvroSerializer<InventoryImage> images = new SpecificAvroSerializer<>();
  private final SpecificAvroSerializer<ItemAudit> auditSerializer = new SpecificAvroSerializer<>();

  /** With {@code settings} over the test's own (audits and review on), classifying with {@code classifiers}. */
  QualityFixture(Map<String, String> settings, Supplier<BatchClassifier> classifiers) {
    this(settings, ModelSource.fixed(classifiers));
  }

  /** With {@code settings} over the test's own (audits and review on), serving the lineup of {@code models}. */
  QualityFixture(Map<String, String> settings, ModelSource models) {
    Map<String, String> all = new HashMap<>(Map.of(
        StreamsConfig.APPLICATION_ID_CONFIG, "quality-test-" + UUID.randomUUID(),
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
        ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl,
        ClassifierConfig.BATCH_SIZE, "1",
        ClassifierConfig.AUDITS_ENABLED, "true",
        ClassifierConfig.REVIEW_ENABLED, "true"));
    all.putAll(settings);
    ClassifierConfig config = ClassifierConfig.of(all);
    Properties props = config.streamsProperties();
    props.put(DeadLetters.METRICS_CONFIG, new ClassifierMetrics(meters));
    StreamsBuilder builder = new StreamsBuilder();
    ClassifierTopology.AvroSerdes serdes = ClassifierApp.avroSerdes(config);
    ClassifierTopology.build(builder, config.topologySettings(), serdes, models,
        new ClassifierMetrics(meters), new StreamProgress(config.livenessStall()), InferenceWorkers.sameThread(),
        config.qualitySettings(),
        QualityTopology.AvroSerdes.of(config.serdeConfig()));
    driver = new TopologyTestDriver(builder.build(props), props, START);
    images.configure(config.serdeConfig(), false);
    auditSerializer.configure(config.serdeConfig(), false);
    QualityTopology.AvroSerdes quality = QualityTopology.AvroSerdes.of(config.serdeConfig());
    input = driver.createInputTopic(TopologyFixture.INPUT, new StringSerializer(), new ByteArraySerializer(), START,
        Duration.ZERO);
    audits = driver.createInputTopic(AUDITS, new StringSerializer(), new ByteArraySerializer(), START,
        Duration.ZERO);
    classified = driver.createOutputTopic(TopologyFixture.CLASSIFIED, new StringDeserializer(),
        serdes.classifiedItems().deserializer());
    aggregates = driver.createOutputTopic(TopologyFixture.AGGREGATES, new StringDeserializer(),
        serdes.aggregates().deserializer());
    audited = driver.createOutputTopic(AUDITED, new StringDeserializer(), quality.audited().deserializer());
    reviews = driver.createOutputTopic(REVIEW, new StringDeserializer(), quality.reviews().deserializer());
    deadLetters = driver.createOutputTopic(TopologyFixture.DLQ, new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }

  /** With FakeClassifier: label {@code firstPixel % 10} at confidence 0.7, the next label at 0.2. */
  QualityFixture(Map<String, String> settings) {
    this(settings, FakeClassifier::new);
  }

  void pipe(InventoryImage image) {
    input.pipeInput(image.getItemId(), images.serialize(TopologyFixture.INPUT, image));
  }

  void audit(String itemId, FashionClass truth, String auditor) {
    audits.pipeInput(itemId, auditBytes(itemId, truth, auditor));
  }

  /** An audit of {@code itemId} as a producer would send it, checked at {@link #START}. */
  byte[] auditBytes(String itemId, FashionClass truth, String auditor) {
    return auditSerializer.serialize(AUDITS, ItemAudit.newBuilder()
        .setItemId(itemId)
        .setTrueLabel(truth)
        .setAuditor(auditor)
        .setAuditTime(START)
        .setSource(AuditSource.SPOT_CHECK)
        .build());
  }

  double counter(String name, String tag, String value) {
    var counter = meters.find(name).tag(tag, value).counter();
    return counter == null ? 0 : counter.count();
  }

  @Override
  public void close() {
    driver.close();
    MockSchemaRegistry.dropScope(registryUrl.substring("mock://".length()));
  }
}
