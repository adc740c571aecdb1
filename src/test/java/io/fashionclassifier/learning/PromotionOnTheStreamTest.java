package io.fashionclassifier.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.promotion.PairedEvidence;
import io.fashionclassifier.promotion.PairedOutcome;
import io.fashionclassifier.promotion.PromotionRule;
import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.fashionclassifier.streaming.ClassifierApp;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import io.fashionclassifier.streaming.SmallModel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evidence of 'model promote' from the real stream classifier: two real bundles, one active and one shadowed,
 * classify images on the real broker; the images are audited; the paired evidence read from audited-items is
 * exactly what both bundles say of those images offline.
 */
@ExtendWith(ApicurioRegistryExtension.class)
class PromotionOnTheStreamTest {

  private static final int ITEMS = 300;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final KafkaBroker broker = KafkaBroker.shared();
  private final String registryUrl;

  @TempDir Path models;
  @TempDir Path state;

  PromotionOnTheStreamTest(ApicurioRegistry registry) {
    this.registryUrl = registry.confluentUrl();
  }

  @Test
  void thePairedEvidenceOfTheAuditedItemsIsWhatBothModelsSaidOfThem() throws Exception {
    SmallModel.copy(SmallModel.bundle(), models.resolve("a"));
    SmallModel.copy(SmallModel.other(), models.resolve("b"));
    ModelRepository repository = ModelRepository.at(models);
    repository.activate("a");
    repository.shadow("b");
    String versionA = version(models.resolve("a"));
    String versionB = version(models.resolve("b"));
    ClassifierConfig config = ClassifierConfig.of(Map.ofEntries(
        Map.entry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, "promotion-" + run),
        Map.entry(StreamsConfig.STATE_DIR_CONFIG, state.toString()),
        Map.entry(ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl),
        Map.entry(ClassifierConfig.MODEL_DIR, models.toString()),
        Map.entry(ClassifierConfig.TOPIC_INPUT, "images-" + run),
        Map.entry(ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + run),
        Map.entry(ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + run),
        Map.entry(ClassifierConfig.TOPIC_DLQ, "dlq-" + run),
        Map.entry(ClassifierConfig.AUDITS_ENABLED, "true"),
        Map.entry(ClassifierConfig.TOPIC_AUDITS, "audits-" + run),
        Map.entry(ClassifierConfig.TOPIC_AUDITED, "audited-" + run),
        Map.entry(ClassifierConfig.TOPICS_PARTITIONS, "2"),
        Map.entry(ClassifierConfig.HTTP_PORT, "0")));
    LabelledImages images = SmallModel.data().test();
    try (ClassifierApp app = ClassifierApp.start(config)) {
      await().atMost(Duration.ofMinutes(2)).until(() -> app.state() == KafkaStreams.State.RUNNING);
      KafkaTestClients.produceImages(broker.bootstrapServers(), config.serdeConfig(), config.inputTopic(), images,
          ITEMS);
      SpecificAvroDeserializer<ClassifiedItem> verdicts = new SpecificAvroDeserializer<>(ClassifiedItem.class);
      verdicts.configure(config.serdeConfig(), false);
      assertThat(KafkaTestClients.readCommitted(broker.bootstrapServers(), config.classifiedTopic(), verdicts,
          read -> read.size() >= ITEMS, Duration.ofMinutes(2), Duration.ZERO)).hasSize(ITEMS);
      audit(config, images);
      SpecificAvroDeserializer<AuditedItem> audited = new SpecificAvroDeserializer<>(AuditedItem.class);
      audited.configure(config.serdeConfig(), false);
      assertThat(KafkaTestClients.readCommitted(broker.bootstrapServers(), "audited-" + run, audited,
          read -> read.size() >= ITEMS, Duration.ofMinutes(2), Duration.ZERO)).hasSize(ITEMS);
    }

    Promotion.Judgement judgement = new Promotion(config.clientConfig(), config.serdeConfig(), "audited-" + run,
        Duration.ofMinutes(1), Clock.systemUTC())
        .judge(repository, new Promotion.Models("a", versionA, "b", versionB), PromotionRule.DEFAULT);

    assertThat(judgement.auditedRead()).isEqualTo(ITEMS);
    assertThat(judgement.decision().evidence()).isEqualTo(offline(images));
    assertThat(judgement.decision().evidence().disagreements()).as("two different models").isPositive();
  }

  private static String version(Path bundle) {
    try (ModelBundle loaded = ModelBundle.load(bundle)) {
      return loaded.version();
    }
  }

  /** What the two bundles say of the first images, paired with their labels. */
  private PairedEvidence offline(LabelledImages images) {
    List<Prediction> a = classify(models.resolve("a"), images);
    List<Prediction> b = classify(models.resolve("b"), images);
    List<PairedOutcome> pairs = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      pairs.add(new PairedOutcome(images.label(i), a.get(i).label(), b.get(i).label()));
    }
    return PairedEvidence.of(pairs, FashionClass.values().length);
  }

  private static List<Prediction> classify(Path bundle, LabelledImages images) {
    try (ModelBundle loaded = ModelBundle.load(bundle); BatchClassifier classifier = loaded.newClassifier()) {
      return classifier.classify(images.images(0, ITEMS));
    }
  }

  /** An audit of every item with its true label, as an auditor would send it. */
  private void audit(ClassifierConfig config, LabelledImages images) throws Exception {
    String topic = "audits-" + run;
    SpecificAvroSerializer<ItemAudit> values = new SpecificAvroSerializer<>();
    values.configure(config.serdeConfig(), false);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
        new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < ITEMS; i++) {
        String id = KafkaTestClients.itemId(i);
        ItemAudit audit = ItemAudit.newBuilder()
            .setItemId(id)
            .setTrueLabel(FashionClass.values()[images.label(i)])
            .setAuditor("auditor-1")
            .setAuditTime(Instant.now())
            .setSource(AuditSource.SPOT_CHECK)
            .build();
        producer.send(new ProducerRecord<>(topic, id, values.serialize(topic, audit))).get();
      }
    }
  }
}
