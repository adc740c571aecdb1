package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KafkaStreams;
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
    KafkaBroker broker = KafkaBroker.shared();
    // one partition: a wedged partition is a wedged app
    ClassifierConfig config = TestRuns.config("hostile", Map.of(ClassifierConfig.TOPICS_PARTITIONS, "1"));
    SpecificAvroSerializer<InventoryImage> images = TestRuns.imageSerializer(config);
    String topic = config.inputTopic();

    try (ModelBundle bundle = ModelBundle.load(config.modelDir());
        ClassifierApp app = ClassifierApp.start(config, bundle::newClassifier);
        KafkaProducer<String, byte[]> plain = TestRuns.producer("none");
        KafkaProducer<String, byte[]> gzip = TestRuns.producer("gzip")) {
      List<String> good = new ArrayList<>();
      List<String> hostile = new ArrayList<>();
      int next = 0;
      next = sendGood(plain, images, topic, next, good);

      // about 1 MB of headers, under the broker's 1 MiB limit as sent, over it once copied into the buffer
      TestRuns.send(plain, topic, "headers-1mb", images.serialize(topic, image("headers-1mb", 0)), headers(16, 65_000));
      hostile.add("headers-1mb");
      next = sendGood(plain, images, topic, next, good);

      // 4 MB of headers that fit the broker only compressed
      TestRuns.send(gzip, topic, "headers-gzip", images.serialize(topic, image("headers-gzip", 1)), headers(64, 64 * 1024));
      hostile.add("headers-gzip");
      next = sendGood(plain, images, topic, next, good);

      for (long before1970 : new long[] {-1, -86_400_000L * 365 * 100, Long.MIN_VALUE}) {
        String key = "captured-" + before1970;
        InventoryImage early = InventoryImage.newBuilder(image(key, 2))
            .setCaptureTime(Instant.ofEpochMilli(before1970)).build();
        TestRuns.send(plain, topic, key, images.serialize(topic, early), new RecordHeaders());
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
      TestRuns.send(producer, topic, key, images.serialize(topic, image(key, i)), new RecordHeaders());
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

  private static List<ConsumerRecord<String, ClassifiedItem>> classified(
      KafkaBroker broker, ClassifierConfig config, int expected) {
    return TestRuns.verdicts(config, records -> records.size() >= expected, Duration.ofMinutes(2),
        Duration.ofSeconds(2));
  }

  private static List<String> deadLetterKeys(KafkaBroker broker, ClassifierConfig config) {
    return TestRuns.deadLetterKeys(config, Duration.ofSeconds(1));
  }
}
