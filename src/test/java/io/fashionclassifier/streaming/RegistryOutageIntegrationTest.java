package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.serde.AvroSerdeConfig;
import io.fashionclassifier.serde.KafkaAvroSerializer;
import io.fashionclassifier.serde.RecordNameStrategy;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * The real classifier, broker and Apicurio, with the registry cut off mid-stream and hostile records before, during
 * and after: records that need a schema the classifier has not seen wait (not ready, no dead letter, the app keeps
 * running) and are classified exactly once when the registry is back; every hostile record, and nothing else, ends
 * in the dead-letter topic. {@code -Dfashion.test.outage.seconds=30} gives the long variant.
 */
class RegistryOutageIntegrationTest {

  private static final int BEFORE = 50;
  private static final int DURING = 200;
  /** How long the registry stays cut off; -Dfashion.test.outage.seconds=30 for the long check. */
  private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("fashion.test.outage.seconds", 5));

  private static boolean alive(ClassifierApp app) {
    return !List.of(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING)
        .contains(app.state());
  }

  /**
   * One record of each hostile kind: not Avro, an id the registry does not know (needs the registry to tell), an
   * image of the wrong size, and a verdict copied into the input topic (another record type).
   */
  private static List<String> produceHostile(
      KafkaBroker broker, Map<String, Object> serdeConfig, String topic, String phase) {
    String bootstrap = broker.bootstrapServers();
    KafkaTestClients.produceRaw(bootstrap, topic, "not-avro-" + phase, "not avro".getBytes(StandardCharsets.UTF_8));
    KafkaTestClients.produceRaw(bootstrap, topic, "unknown-id-" + phase,
        ByteBuffer.allocate(9).put((byte) 0).putInt(987_654_321).putInt(0).array());
    SpecificAvroSerializer<InventoryImage> images = new SpecificAvroSerializer<>();
    images.configure(serdeConfig, false);
    KafkaTestClients.produceRaw(bootstrap, topic, "wrong-size-" + phase,
        images.serialize(topic, TestImages.image("wrong-size-" + phase, 3, null, "scanner-1", 27, 28)));
    Map<String, Object> byRecordName = new HashMap<>(serdeConfig);
    byRecordName.put(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, RecordNameStrategy.class.getName());
    KafkaAvroSerializer stray = new KafkaAvroSerializer();
    stray.configure(byRecordName, false);
    KafkaTestClients.produceRaw(bootstrap, topic, "copied-verdict-" + phase, stray.serialize(topic,
        ClassifiedItem.newBuilder().setItemId("copied").setScannerId("s").setWarehouseId("w")
            .setCaptureTime(Instant.EPOCH).setPredictedLabel(FashionClass.BAG).setConfidence(0.9f)
            .setTopK(List.of()).setModelVersion("v").setClassifiedTime(Instant.EPOCH).setTrueLabel(null)
            .setCorrect(null).build()));
    return List.of("not-avro-" + phase, "unknown-id-" + phase, "wrong-size-" + phase, "copied-verdict-" + phase);
  }

  @Test
  void goodRecordsWaitOutARegistryOutageAndAreClassifiedOnceWhenItIsBack() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    KafkaBroker broker = KafkaBroker.shared();
    ApicurioRegistry registry = ApicurioRegistry.shared();
    URI registryUrl = URI.create(registry.confluentUrl());
    try (TcpProxy proxy = new TcpProxy(registryUrl.getPort())) {
      String proxied = registryUrl.getScheme() + "://127.0.0.1:" + proxy.port() + registryUrl.getPath();
      ClassifierConfig config = TestRuns.config("outage", Map.of(
          ClassifierConfig.SCHEMA_REGISTRY_URL, proxied,
          ClassifierConfig.OUTAGE_BACKOFF_MAX_MS, "1000"));
      Map<String, Object> direct = TestRuns.directSerdeConfig(config);

      try (ModelBundle bundle = ModelBundle.load(config.modelDir());
          ClassifierApp app = ClassifierApp.start(config, bundle::newClassifier)) {
        KafkaTestClients.produceImages(broker.bootstrapServers(), direct, config.inputTopic(),
            SmallModel.data().test(), BEFORE);
        await().atMost(Duration.ofMinutes(1)).until(() -> classified(broker, config, BEFORE).size() >= BEFORE);

        List<String> hostile = new ArrayList<>(produceHostile(broker, direct, config.inputTopic(), "before"));
        // the registry lookups these need are over before the cut, rather than racing it
        assertThat(KafkaTestClients.readCommitted(broker.bootstrapServers(), config.deadLetterTopic(),
                KafkaTestClients.bytes(), letters -> letters.stream().map(ConsumerRecord::key).toList()
                    .containsAll(hostile), Duration.ofMinutes(1), Duration.ZERO)
            .stream().map(ConsumerRecord::key)).containsAll(hostile);

        proxy.cut();
        // a newer writer schema (one more field): its id is not in the classifier's cache, so it needs the registry
        produceWithNewerSchema(broker, direct, config.inputTopic(), run);
        hostile.addAll(produceHostile(broker, direct, config.inputTopic(), "during"));

        await().atMost(Duration.ofMinutes(1)).until(app::inOutage);
        // the outage lasts OUTAGE; all along, the app stays up and dead-letters no good record
        await().during(OUTAGE).atMost(OUTAGE.plusSeconds(30)).until(() -> alive(app)
            && deadLetterKeys(broker, config, Duration.ZERO).stream().noneMatch(key -> key.startsWith("v2-")));

        proxy.restore();
        hostile.addAll(produceHostile(broker, direct, config.inputTopic(), "after"));
        List<ConsumerRecord<String, ClassifiedItem>> verdicts = classified(broker, config, BEFORE + DURING);
        Map<String, Long> perItem = verdicts.stream()
            .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
        assertThat(perItem).hasSize(BEFORE + DURING);
        assertThat(perItem.values()).containsOnly(1L);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
            assertThat(deadLetterKeys(broker, config, Duration.ofSeconds(1)))
                .as("every hostile record, and nothing else, in the dead-letter topic")
                .containsExactlyInAnyOrderElementsOf(hostile));
        assertThat(alive(app)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> !app.inOutage());
      }
    }
  }

  private static List<ConsumerRecord<String, ClassifiedItem>> classified(
      KafkaBroker broker, ClassifierConfig config, int expected) {
    return TestRuns.verdicts(config, records -> records.size() >= expected, Duration.ofMinutes(2),
        Duration.ofSeconds(1));
  }

  private static List<String> deadLetterKeys(KafkaBroker broker, ClassifierConfig config, Duration settle) {
    return TestRuns.deadLetterKeys(config, settle);
  }

  private static void produceWithNewerSchema(
      KafkaBroker broker, Map<String, Object> serdeConfig, String topic, String run) {
    Schema v1 = InventoryImage.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    v1.getFields().forEach(field -> fields.add(new Schema.Field(field, field.schema())));
    fields.add(new Schema.Field("firmware", Schema.create(Schema.Type.STRING), "scanner firmware", "1.0"));
    Schema v2 = Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
    KafkaAvroSerializer serializer = new KafkaAvroSerializer();
    serializer.configure(serdeConfig, false);
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all"), new StringSerializer(), serializer)) {
      for (int i = 0; i < DURING; i++) {
        GenericRecord image = new GenericData.Record(v2);
        image.put("itemId", "v2-" + i);
        image.put("scannerId", "scanner-" + (i % 4));
        image.put("warehouseId", "warehouse-" + run);
        image.put("captureTime", Instant.now().toEpochMilli());
        image.put("width", 28);
        image.put("height", 28);
        image.put("pixels", ByteBuffer.wrap(SmallModel.data().test().image(i)));
        image.put("label", null);
        image.put("firmware", "2.1");
        producer.send(new ProducerRecord<>(topic, "v2-" + i, image));
      }
      producer.flush();
    }
  }
}
