package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * Valid images that once stopped or wedged the real classifier under exactly-once (issue 21, findings 1 and 3): about
 * 1 MB of headers (the buffer's changelog record went over {@code max.request.size} and poisoned the transaction), a
 * few MB of headers the producer compressed with gzip to fit the broker, and a capture time before 1970 (Kafka
 * Streams refuses the negative timestamp of its accuracy figures). Each is dead-lettered at arrival; the good
 * images around them are classified exactly once, and the app never stops.
 */
class HostileRecordsIntegrationTest {

  private static final int GOOD_PER_GAP = 10;

  @Test
  void oversizedHeadersAndCaptureTimesBefore1970AreDeadLetteredAndEveryGoodImageIsClassifiedOnce() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    KafkaBroker broker = KafkaBroker.shared();
    ApicurioRegistry registry = ApicurioRegistry.shared();
    ClassifierConfig config = ClassifierConfig.of(Map.ofEntries(
        Map.entry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, "hostile-" + run),
        Map.entry(ClassifierConfig.SCHEMA_REGISTRY_URL, registry.confluentUrl()),
        Map.entry(ClassifierConfig.MODEL_DIR, SmallModel.bundle().toString()),
        Map.entry(ClassifierConfig.TOPIC_INPUT, "images-" + run),
        Map.entry(ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + run),
        Map.entry(ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + run),
        Map.entry(ClassifierConfig.TOPIC_DLQ, "dlq-" + run),
        // one partition: a wedged partition is a wedged app
        Map.entry(ClassifierConfig.TOPICS_PARTITIONS, "1"),
        Map.entry(ClassifierConfig.HTTP_PORT, "0")));
    SpecificAvroSerializer<InventoryImage> images = new SpecificAvroSerializer<>();
    images.configure(new HashMap<>(config.serdeConfig()), false);
    String topic = config.inputTopic();

    try (ModelBundle bundle = ModelBundle.load(config.modelDir());
        ClassifierApp app = ClassifierApp.start(config, bundle::newClassifier);
        KafkaProducer<String, byte[]> plain = producer(broker, "none");
        KafkaProducer<String, byte[]> gzip = producer(broker, "gzip")) {
      List<String> good = new ArrayList<>();
      List<String> hostile = new ArrayList<>();
      int next = 0;
      next = sendGood(plain, images, topic, next, good);

      // about 1 MB of headers, under the broker's 1 MiB limit as sent, over it once copied into the buffer
      send(plain, topic, "headers-1mb", images.serialize(topic, image("headers-1mb", 0)), headers(16, 65_000));
      hostile.add("headers-1mb");
      next = sendGood(plain, images, topic, next, good);

      // 4 MB of headers that fit the broker only compressed
      send(gzip, topic, "headers-gzip", images.serialize(topic, image("headers-gzip", 1)), headers(64, 64 * 1024));
      hostile.add("headers-gzip");
      next = sendGood(plain, images, topic, next, good);

      for (long before1970 : new long[] {-1, -86_400_000L * 365 * 100, Long.MIN_VALUE}) {
        String key = "captured-" + before1970;
        InventoryImage early = InventoryImage.newBuilder(image(key, 2))
            .setCaptureTime(Instant.ofEpochMilli(before1970)).build();
        send(plain, topic, key, images.serialize(topic, early), new RecordHeaders());
        hostile.add(key);
      }
      next = sendGood(plain, images, topic, next, good);

      List<ConsumerRecord<String, ClassifiedItem>> verdicts = classified(broker, config, good.size());
      Map<String, Long> perItem = verdicts.stream()
          .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      assertThat(perItem.keySet()).as("every good image classified").containsExactlyInAnyOrderElementsOf(good);
      assertThat(perItem.values()).as("each exactly once").containsOnly(1L);
      await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
          assertThat(deadLetterKeys(broker, config)).containsExactlyInAnyOrderElementsOf(hostile));
      assertThat(app.state()).isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
    }
  }

  private static InventoryImage image(String itemId, int index) {
    return InventoryImage.newBuilder(TestImages.image(itemId, 0, null))
        .setPixels(java.nio.ByteBuffer.wrap(SmallModel.data().test().image(index)))
        .setCaptureTime(Instant.now())
        .build();
  }

  private static int sendGood(KafkaProducer<String, byte[]> producer, SpecificAvroSerializer<InventoryImage> images,
      String topic, int from, List<String> good) throws Exception {
    for (int i = from; i < from + GOOD_PER_GAP; i++) {
      String key = KafkaTestClients.itemId(i);
      send(producer, topic, key, images.serialize(topic, image(key, i)), new RecordHeaders());
      good.add(key);
    }
    return from + GOOD_PER_GAP;
  }

  private static RecordHeaders headers(int count, int bytesEach) {
    RecordHeaders headers = new RecordHeaders();
    for (int i = 0; i < count; i++) {
      headers.add("trace-" + i, new byte[bytesEach]);
    }
    return headers;
  }

  private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value,
      RecordHeaders headers) throws InterruptedException, ExecutionException, TimeoutException {
    producer.send(new ProducerRecord<>(topic, null, key, value, headers)).get(30, TimeUnit.SECONDS);
  }

  private static KafkaProducer<String, byte[]> producer(KafkaBroker broker, String compression) {
    return new KafkaProducer<>(Map.of(
        "bootstrap.servers", broker.bootstrapServers(),
        "acks", "all",
        "compression.type", compression,
        "max.request.size", 8 * 1024 * 1024), new StringSerializer(), new ByteArraySerializer());
  }

  private static List<ConsumerRecord<String, ClassifiedItem>> classified(
      KafkaBroker broker, ClassifierConfig config, int expected) {
    SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    items.configure(Map.of(ClassifierConfig.SCHEMA_REGISTRY_URL, ApicurioRegistry.shared().confluentUrl()), false);
    return KafkaTestClients.readCommitted(broker.bootstrapServers(), config.classifiedTopic(), items,
        records -> records.size() >= expected, Duration.ofMinutes(2), Duration.ofSeconds(2));
  }

  private static List<String> deadLetterKeys(KafkaBroker broker, ClassifierConfig config) {
    return KafkaTestClients.readCommitted(broker.bootstrapServers(), config.deadLetterTopic(),
            KafkaTestClients.bytes(), records -> false, Duration.ZERO, Duration.ofSeconds(1))
        .stream().map(ConsumerRecord::key).toList();
  }
}
