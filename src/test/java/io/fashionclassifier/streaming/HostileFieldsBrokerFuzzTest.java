package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * Generated images whose every field takes values from its whole range (capture times before 1970 and far ahead,
 * negative and huge sizes, empty and overlong ids), with header counts and sizes up to several MB, sent with each
 * compression codec through the real broker to the real classifier under exactly-once (issue 21). Each one ends as
 * exactly one verdict or one dead letter, a good image sent after each is classified exactly once, and the app
 * never stops. The {@code TopologyTestDriver} fuzzer ({@link HostileInputFuzzTest}) covers the bytes; this one the
 * values, headers and codecs, which only a broker and a transactional producer put to the test.
 */
class HostileFieldsBrokerFuzzTest {

  private static final int CASES = 120;
  private static final long SEED = 20261207L;
  private static final List<String> CODECS = List.of("none", "gzip", "snappy", "lz4", "zstd");
  /** What a producer may send uncompressed and still fit the broker's 1 MiB record batches. */
  private static final int UNCOMPRESSED_ROOM = 900 * 1024;

  @Test
  void everyGeneratedImageEndsAsOneVerdictOrOneDeadLetterAndEveryGoodOneIsClassifiedOnce() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    ClassifierConfig config = TestRuns.config("fields-fuzz", Map.of());
    SpecificAvroSerializer<InventoryImage> images = TestRuns.imageSerializer(config);
    String topic = config.inputTopic();
    Random random = new Random(SEED);
    Map<String, KafkaProducer<String, byte[]>> producers = new HashMap<>();

    try (ModelBundle bundle = ModelBundle.load(config.modelDir());
        ClassifierApp app = ClassifierApp.start(config, bundle::newClassifier)) {
      CODECS.forEach(codec -> producers.put(codec, TestRuns.producer(codec)));
      Set<String> hostile = new HashSet<>();
      List<String> good = new ArrayList<>();
      for (int i = 0; i < CASES; i++) {
        String codec = CODECS.get(i % CODECS.size());
        String key = "fuzz-" + i;
        TestRuns.send(producers.get(codec), topic, key, images.serialize(topic, fields(random, key)),
            headers(random, codec.equals("none") ? UNCOMPRESSED_ROOM : 4 * 1024 * 1024));
        hostile.add(key);
        String next = "good-" + i;
        InventoryImage image = InventoryImage.newBuilder(TestImages.image(next, 0, FashionClass.values()[i % 10]))
            .setPixels(ByteBuffer.wrap(SmallModel.data().test().image(i))).setCaptureTime(Instant.now()).build();
        TestRuns.send(producers.get(codec), topic, next, images.serialize(topic, image), new RecordHeaders());
        good.add(next);
      }

      List<ConsumerRecord<String, ClassifiedItem>> verdicts = classified(broker, config, good);
      Map<String, Long> verdictsPerKey = verdicts.stream()
          .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      assertThat(good).allSatisfy(key -> assertThat(verdictsPerKey.get(key)).as(key).isEqualTo(1L));
      await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
        Map<String, Long> lettersPerKey = deadLetterKeys(broker, config).stream()
            .collect(Collectors.groupingBy(key -> key, Collectors.counting()));
        assertThat(hostile).allSatisfy(key -> assertThat(
                verdictsPerKey.getOrDefault(key, 0L) + lettersPerKey.getOrDefault(key, 0L))
            .as("%s: one verdict or one dead letter", key).isEqualTo(1L));
        assertThat(lettersPerKey.keySet()).as("no good image is a dead letter").allMatch(hostile::contains);
      });
      assertThat(app.state()).isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
    } finally {
      producers.values().forEach(KafkaProducer::close);
    }
  }

  /** An image whose fields are each drawn from their whole range, valid ones included. */
  private static InventoryImage fields(Random random, String key) {
    long now = System.currentTimeMillis();
    long[] captureTimes = {now, -1, Long.MIN_VALUE, -1_000_000_000_000L, 0, now + 365L * 86_400_000, Long.MAX_VALUE};
    int[] sides = {28, 28, 28, 0, -1, 27, 29, Integer.MAX_VALUE, Integer.MIN_VALUE};
    int[] pixelCounts = {784, 784, 784, 0, 783, 785, 100_000};
    String[] ids = {"id", "id", "", " ", "x".repeat(513), "\u00e9".repeat(300), "\u0000", "(other)", "a@1%b"};
    // a verdict is keyed by the item id: only ids that cannot be one may differ from the record's key
    String[] badItemIds = {"", " ", "x".repeat(513), "\u00e9".repeat(300)};
    String itemId = random.nextInt(4) == 0 ? pick(random, badItemIds) : key;
    return InventoryImage.newBuilder()
        .setItemId(itemId)
        .setScannerId(pick(random, ids))
        .setWarehouseId(pick(random, ids))
        .setCaptureTime(Instant.ofEpochMilli(captureTimes[random.nextInt(captureTimes.length)]))
        .setWidth(sides[random.nextInt(sides.length)])
        .setHeight(sides[random.nextInt(sides.length)])
        .setPixels(ByteBuffer.wrap(new byte[pixelCounts[random.nextInt(pixelCounts.length)]]))
        .setLabel(random.nextBoolean() ? null : FashionClass.values()[random.nextInt(10)])
        .build();
  }

  private static String pick(Random random, String[] values) {
    return values[random.nextInt(values.length)];
  }

  /** No headers, a few small ones, many, or large ones; at most {@code room} bytes of them. */
  private static RecordHeaders headers(Random random, int room) {
    int[] counts = {0, 0, 1, 10, 5_000};
    int[] sizes = {0, 16, 1_000, 70_000, 1_000_000};
    int count = counts[random.nextInt(counts.length)];
    int size = sizes[random.nextInt(sizes.length)];
    if ((long) count * (size + 16) > room) {
      count = Math.max(1, room / (size + 16));
    }
    RecordHeaders headers = new RecordHeaders();
    for (int i = 0; i < count; i++) {
      headers.add("h" + i, new byte[size]);
    }
    return headers;
  }

  private static List<ConsumerRecord<String, ClassifiedItem>> classified(
      KafkaBroker broker, ClassifierConfig config, List<String> good) {
    return TestRuns.verdicts(config,
        records -> records.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(good),
        Duration.ofMinutes(2), Duration.ofSeconds(2));
  }

  private static List<String> deadLetterKeys(KafkaBroker broker, ClassifierConfig config) {
    return TestRuns.deadLetterKeys(config, Duration.ofSeconds(1));
  }
}
