package io.fashionclassifier.faults;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Scanners at a set rate: Fashion-MNIST test images as Avro records in the Confluent wire format, keyed by item id,
 * three in four labelled, over 8 scanners in 2 warehouses, and every {@code hostileEvery}-th record hostile (bytes
 * that are not Avro, or Avro behind a schema id the registry does not know). It runs until {@link #stop()} or its
 * maximum, and remembers every record the broker acknowledged, which is what the verifier expects back.
 */
final class ScannerLoad implements AutoCloseable {

  /** What was sent for one item. */
  record Sent(String itemId, boolean hostile, FashionClass label, String scannerId, String warehouseId) {}

  private static final int UNKNOWN_SCHEMA_ID = 0x7ff0_0000;

  private final KafkaProducer<String, byte[]> producer;
  private final SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
  private final String topic;
  private final LabelledImages images;
  private final int ratePerSecond;
  private final int maxRecords;
  private final int hostileEvery;
  private final Map<String, Sent> acknowledged = new ConcurrentHashMap<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final AtomicInteger attempted = new AtomicInteger();
  private final Thread thread;
  private volatile boolean stopping;

  ScannerLoad(String bootstrap, Map<String, Object> serdeConfig, String topic, LabelledImages images,
      int ratePerSecond, int maxRecords, int hostileEvery) {
    serializer.configure(serdeConfig, false);
    // idempotent with a long delivery timeout: a broker restart delays sends but loses or doubles none
    this.producer = new KafkaProducer<>(Map.of(
        "bootstrap.servers", bootstrap, "acks", "all", "enable.idempotence", true, "linger.ms", 5,
        "delivery.timeout.ms", 300_000, "request.timeout.ms", 10_000),
        new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.images = images;
    this.ratePerSecond = ratePerSecond;
    this.maxRecords = maxRecords;
    this.hostileEvery = hostileEvery;
    this.thread = new Thread(this::run, "scanner-load");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    long interval = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
    long next = System.nanoTime();
    for (int i = 0; i < maxRecords && !stopping; i++) {
      // pacing, not waiting for an outcome: this is the scanners' clock
      LockSupport.parkNanos(next - System.nanoTime());
      next += interval;
      send(i);
    }
    producer.flush();
  }

  private void send(int index) {
    String itemId = String.format("item-%06d", index);
    String scanner = "scanner-" + (index % 8);
    String warehouse = "warehouse-" + (index % 2);
    boolean hostile = hostileEvery > 0 && index % hostileEvery == hostileEvery - 1;
    int image = index % images.size();
    FashionClass label = index % 4 == 3 ? null : FashionClass.values()[images.label(image)];
    byte[] value;
    if (hostile) {
      value = (index / hostileEvery) % 2 == 0 ? notAvro(itemId) : unknownSchema();
    } else {
      value = serializer.serialize(topic, InventoryImage.newBuilder()
          .setItemId(itemId)
          .setScannerId(scanner)
          .setWarehouseId(warehouse)
          .setCaptureTime(Instant.now())
          .setWidth(28)
          .setHeight(28)
          .setPixels(ByteBuffer.wrap(images.image(image)))
          .setLabel(label)
          .build());
    }
    Sent sent = new Sent(itemId, hostile, hostile ? null : label, scanner, warehouse);
    attempted.incrementAndGet();
    producer.send(new ProducerRecord<>(topic, itemId, value), (metadata, error) -> {
      if (error == null) {
        acknowledged.put(itemId, sent);
      } else {
        failures.add(error);
      }
    });
  }

  private static byte[] notAvro(String itemId) {
    return ("scanner firmware dump for " + itemId).getBytes(StandardCharsets.UTF_8);
  }

  /** Magic byte 0 and a schema id nobody registered: only the registry can tell it is unknown. */
  private static byte[] unknownSchema() {
    return ByteBuffer.allocate(5 + 16).put((byte) 0).putInt(UNKNOWN_SCHEMA_ID).put(new byte[16]).array();
  }

  /** Records handed to the producer so far. */
  int sent() {
    return attempted.get();
  }

  /** Waits until the maximum number of records has been sent. */
  void awaitFinished() throws InterruptedException {
    thread.join();
  }

  boolean isRunning() {
    return thread.isAlive();
  }

  /** Stops sending and waits until everything sent is acknowledged; returns what the broker acknowledged. */
  Map<String, Sent> stop() throws InterruptedException {
    stopping = true;
    thread.join(TimeUnit.MINUTES.toMillis(5));
    producer.flush();
    if (!failures.isEmpty()) {
      throw new IllegalStateException("the scanner load could not send " + failures.size() + " records, first: "
          + failures.get(0), failures.get(0));
    }
    if (acknowledged.size() != attempted.get()) {
      throw new IllegalStateException(attempted.get() + " records sent but " + acknowledged.size() + " acknowledged");
    }
    return Map.copyOf(acknowledged);
  }

  @Override
  public void close() {
    stopping = true;
    // bounded: with the broker gone (a fault test's doing) the default close would wait for ever
    producer.close(Duration.ofSeconds(5));
  }
}
