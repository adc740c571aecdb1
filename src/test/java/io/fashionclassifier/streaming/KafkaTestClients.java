package io.fashionclassifier.streaming;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain producers and read_committed consumers for the integration tests. */
public final class KafkaTestClients {

  private KafkaTestClients() {}

  public static String itemId(int index) {
    return String.format("test-%05d", index);
  }

  /** Publishes the first {@code count} images of {@code images} with their labels, keyed by {@link #itemId}. */
  public static void produceImages(
      String bootstrap, Map<String, Object> serdeConfig, String topic, LabelledImages images, int count) {
    produceImages(bootstrap, serdeConfig, topic, images, 0, count);
  }

  /** Publishes images {@code from} to {@code to - 1} of {@code images} with their labels, keyed by {@link #itemId}. */
  public static void produceImages(
      String bootstrap, Map<String, Object> serdeConfig, String topic, LabelledImages images, int from, int to) {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    Map<String, Object> config = Map.of(
        "bootstrap.servers", bootstrap, "acks", "all", "linger.ms", 5, "enable.idempotence", true);
    try (KafkaProducer<String, InventoryImage> producer =
        new KafkaProducer<>(config, new StringSerializer(), serializer)) {
      Instant now = Instant.now();
      List<Future<RecordMetadata>> sent = new ArrayList<>(to - from);
      for (int i = from; i < to; i++) {
        InventoryImage image = InventoryImage.newBuilder()
            .setItemId(itemId(i))
            .setScannerId("scanner-" + (i % 4))
            .setWarehouseId("warehouse-1")
            .setCaptureTime(now)
            .setWidth(28)
            .setHeight(28)
            .setPixels(ByteBuffer.wrap(images.image(i)))
            .setLabel(FashionClass.values()[images.label(i)])
            .build();
        sent.add(producer.send(new ProducerRecord<>(topic, image.getItemId(), image)));
      }
      producer.flush();
      awaitAll(sent);
    }
  }

  /** A send that failed would otherwise look like a record the classifier lost. */
  private static void awaitAll(List<Future<RecordMetadata>> sent) {
    for (int i = 0; i < sent.size(); i++) {
      try {
        sent.get(i).get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("the test producer could not send record " + i + ": " + e.getCause(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while sending test records", e);
      }
    }
  }

  public static void produceRaw(String bootstrap, String topic, String key, byte[] value) {
    Map<String, Object> config = Map.of("bootstrap.servers", bootstrap, "acks", "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      Future<RecordMetadata> sent = producer.send(new ProducerRecord<>(topic, key, value));
      producer.flush();
      awaitAll(List.of(sent));
    }
  }

  /**
   * Reads {@code topic} from the start with {@code isolation.level=read_committed} until {@code done} holds for
   * everything read so far, or {@code timeout} passes; then keeps reading for {@code settle} to catch anything
   * that should not be there (duplicates).
   */
  public static <V> List<ConsumerRecord<String, V>> readCommitted(
      String bootstrap, String topic, Deserializer<V> values, Predicate<List<ConsumerRecord<String, V>>> done,
      Duration timeout, Duration settle) {
    Map<String, Object> config = Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", "reader-" + UUID.randomUUID(),
        "auto.offset.reset", "earliest",
        "enable.auto.commit", false,
        "isolation.level", "read_committed");
    List<ConsumerRecord<String, V>> records = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
      consumer.subscribe(Set.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.test(records) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      long settled = System.nanoTime() + settle.toNanos();
      while (System.nanoTime() < settled) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /** A header's value as UTF-8 text (how Kafka Streams and the classifier write them), or null when absent. */
  public static String header(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  public static Deserializer<byte[]> bytes() {
    return new ByteArrayDeserializer();
  }
}
