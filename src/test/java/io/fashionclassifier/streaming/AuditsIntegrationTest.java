package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audits on the real broker under exactly-once: audits sent after their verdicts, half of them before and half
 * after a restart of the classifier, are each counted once in the accuracy figures a read_committed consumer sees,
 * and each joined item is on audited-items once per audit; the review queue sends each item the sample draws
 * once, with its image.
 */
class AuditsIntegrationTest {

  private static final int ITEMS = 20;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final KafkaBroker broker = KafkaBroker.shared();
  private final String registryScope = "audits-" + run;
  private final List<ClassifierApp> apps = new ArrayList<>();

  @TempDir
  Path state;

  @AfterEach
  void stop() {
    apps.forEach(ClassifierApp::close);
    MockSchemaRegistry.dropScope(registryScope);
  }

  @Test
  void auditsSentAfterTheirVerdictsAreCountedExactlyOnceAcrossARestart() throws Exception {
    ClassifierConfig config = config();
    ClassifierApp first = start(config);
    List<String> items = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      items.add("item-" + run + "-" + i);
    }
    produceImages(config, items);
    verdicts(config, ITEMS);

    // FakeClassifier predicts TROUSER for these images: the even items are trousers, the odd ones bags
    produceAudits(config, items.subList(0, ITEMS / 2));
    awaitAudited(config, ITEMS / 2);
    first.close();
    apps.clear();
    start(config);
    produceAudits(config, items.subList(ITEMS / 2, ITEMS));

    Map<String, AccuracyAggregate> figures = awaitAudited(config, ITEMS);
    AccuracyAggregate overall = figures.get("OVERALL:all");
    assertThat(overall.getSeen()).as("every image classified once").isEqualTo(ITEMS);
    assertThat(overall.getLabelled()).as("no scan labels").isZero();
    assertThat(overall.getAudited()).as("every audit counted once").isEqualTo(ITEMS);
    assertThat(overall.getAuditedCorrect()).isEqualTo(ITEMS / 2);
    assertThat(overall.getAuditedAccuracy()).isEqualTo(0.5);
    assertThat(figures.get("CLASS:TROUSER").getAudited()).isEqualTo(ITEMS / 2);
    assertThat(figures.get("CLASS:TROUSER").getAuditedPredicted()).isEqualTo(ITEMS);
    assertThat(figures.get("CLASS:BAG").getAudited()).isEqualTo(ITEMS / 2);
    long windowedAudited = figures.entrySet().stream()
        .filter(e -> e.getKey().startsWith("OVERALL:all@"))
        .mapToLong(e -> e.getValue().getAudited()).sum();
    assertThat(windowedAudited).as("over the windows, each audit once too").isEqualTo(ITEMS);

    SpecificAvroDeserializer<AuditedItem> audited = new SpecificAvroDeserializer<>(AuditedItem.class);
    audited.configure(config.serdeConfig(), false);
    List<ConsumerRecord<String, AuditedItem>> joined = KafkaTestClients.readCommitted(broker.bootstrapServers(),
        config.qualitySettings().audits().orElseThrow().auditedTopic(), audited,
        records -> records.size() >= ITEMS, Duration.ofMinutes(1), Duration.ofSeconds(2));
    assertThat(joined).extracting(ConsumerRecord::key).as("one audited item per audit")
        .containsExactlyInAnyOrderElementsOf(items);

    // the sample takes every item here: one review request each, with the image the scanner sent
    SpecificAvroDeserializer<ReviewRequest> reviews = new SpecificAvroDeserializer<>(ReviewRequest.class);
    reviews.configure(config.serdeConfig(), false);
    List<ConsumerRecord<String, ReviewRequest>> requests = KafkaTestClients.readCommitted(
        broker.bootstrapServers(), config.qualitySettings().review().orElseThrow().topic(), reviews,
        records -> records.size() >= ITEMS, Duration.ofMinutes(1), Duration.ofSeconds(2));
    assertThat(requests).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(items);
    assertThat(requests).allSatisfy(request -> {
      assertThat(request.value().getPixels().remaining()).isEqualTo(784);
      assertThat(request.value().getPixels().get(0)).as("the first pixel FakeClassifier read").isEqualTo((byte) 1);
    });
  }

  private ClassifierConfig config() {
    return ClassifierConfig.of(Map.ofEntries(
        Map.entry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, "audits-" + run),
        Map.entry(StreamsConfig.STATE_DIR_CONFIG, state.toString()),
        Map.entry(ClassifierConfig.SCHEMA_REGISTRY_URL, "mock://" + registryScope),
        Map.entry(ClassifierConfig.TOPIC_INPUT, "images-" + run),
        Map.entry(ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + run),
        Map.entry(ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + run),
        Map.entry(ClassifierConfig.TOPIC_DLQ, "dlq-" + run),
        Map.entry(ClassifierConfig.AUDITS_ENABLED, "true"),
        Map.entry(ClassifierConfig.TOPIC_AUDITS, "audits-" + run),
        Map.entry(ClassifierConfig.TOPIC_AUDITED, "audited-" + run),
        Map.entry(ClassifierConfig.REVIEW_ENABLED, "true"),
        Map.entry(ClassifierConfig.TOPIC_REVIEW, "review-" + run),
        Map.entry(ClassifierConfig.REVIEW_SAMPLE_RATE, "1"),
        Map.entry(ClassifierConfig.TOPICS_PARTITIONS, "2"),
        Map.entry(ClassifierConfig.BATCH_SIZE, "4"),
        Map.entry(ClassifierConfig.HTTP_PORT, "0")));
  }

  private ClassifierApp start(ClassifierConfig config) {
    ClassifierApp app = ClassifierApp.start(config, FakeClassifier::new);
    apps.add(app);
    await().atMost(Duration.ofMinutes(2)).until(() -> app.state() == KafkaStreams.State.RUNNING);
    return app;
  }

  private void produceImages(ClassifierConfig config, List<String> items) throws Exception {
    SpecificAvroSerializer<InventoryImage> images = new SpecificAvroSerializer<>();
    images.configure(config.serdeConfig(), false);
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (String item : items) {
        InventoryImage image = TestImages.captured(TestImages.image(item, 1, null), Instant.now());
        producer.send(new ProducerRecord<>(config.inputTopic(), item, images.serialize(config.inputTopic(), image)))
            .get();
      }
    }
  }

  private void produceAudits(ClassifierConfig config, List<String> items) throws Exception {
    String topic = config.qualitySettings().audits().orElseThrow().topic();
    SpecificAvroSerializer<ItemAudit> audits = new SpecificAvroSerializer<>();
    audits.configure(config.serdeConfig(), false);
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (String item : items) {
        int index = Integer.parseInt(item.substring(item.lastIndexOf('-') + 1));
        ItemAudit audit = ItemAudit.newBuilder()
            .setItemId(item)
            .setTrueLabel(index % 2 == 0 ? FashionClass.TROUSER : FashionClass.BAG)
            .setAuditor("auditor-1")
            .setAuditTime(Instant.now())
            .setSource(AuditSource.SPOT_CHECK)
            .build();
        producer.send(new ProducerRecord<>(topic, item, audits.serialize(topic, audit))).get();
      }
    }
  }

  private KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
  }

  private void verdicts(ClassifierConfig config, int count) {
    SpecificAvroDeserializer<ClassifiedItem> verdicts = new SpecificAvroDeserializer<>(ClassifiedItem.class);
    verdicts.configure(config.serdeConfig(), false);
    List<ConsumerRecord<String, ClassifiedItem>> read = KafkaTestClients.readCommitted(broker.bootstrapServers(),
        config.classifiedTopic(), verdicts, records -> records.size() >= count, Duration.ofMinutes(2),
        Duration.ZERO);
    assertThat(read).hasSize(count);
  }

  /** The newest figure of every key, once OVERALL:all counts {@code audited} audits; then two seconds more. */
  private Map<String, AccuracyAggregate> awaitAudited(ClassifierConfig config, long audited) {
    SpecificAvroDeserializer<AccuracyAggregate> figures = new SpecificAvroDeserializer<>(AccuracyAggregate.class);
    figures.configure(config.serdeConfig(), false);
    List<ConsumerRecord<String, AccuracyAggregate>> read = KafkaTestClients.readCommitted(
        broker.bootstrapServers(), config.aggregatesTopic(), figures,
        records -> latest(records).getOrDefault("OVERALL:all", AccuracyAggregates.empty()).getAudited() >= audited,
        Duration.ofMinutes(2), Duration.ofSeconds(2));
    Map<String, AccuracyAggregate> latest = latest(read);
    assertThat(latest.get("OVERALL:all").getAudited()).as("no more than once either").isEqualTo(audited);
    return latest;
  }

  private static Map<String, AccuracyAggregate> latest(List<ConsumerRecord<String, AccuracyAggregate>> records) {
    return records.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value,
        (older, newer) -> newer, TreeMap::new));
  }
}
