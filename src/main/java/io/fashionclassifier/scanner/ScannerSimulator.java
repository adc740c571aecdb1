package io.fashionclassifier.scanner;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plays a fleet of warehouse scanners: sends images to the inventory topic in the Schema Registry wire format,
 * spread over scanners and warehouses, at a given rate, with a share of them audited (carrying their true
 * label) and, on request, a share deliberately broken.
 */
public final class ScannerSimulator {

  /**
   * What to send.
   *
   * @param count records to send; when larger than the source, the source is replayed
   * @param ratePerSecond records per second, or 0 for as fast as the producer goes
   * @param labelledFraction share of records that carry their true label (0-1)
   * @param brokenFraction share of records broken on purpose (0-1)
   */
  public record Options(String topic, long count, double ratePerSecond, int scanners, int warehouses,
      double labelledFraction, double brokenFraction, long seed) {

    public Options {
      if (count < 0) {
        throw new IllegalArgumentException("count must be >= 0, got " + count);
      }
      if (ratePerSecond < 0) {
        throw new IllegalArgumentException("rate must be >= 0 (0 = unthrottled), got " + ratePerSecond);
      }
      if (scanners < 1 || warehouses < 1 || warehouses > scanners) {
        throw new IllegalArgumentException(
            "need 1 <= warehouses <= scanners, got " + warehouses + " warehouses, " + scanners + " scanners");
      }
      if (labelledFraction < 0 || labelledFraction > 1 || brokenFraction < 0 || brokenFraction > 1) {
        throw new IllegalArgumentException("fractions must lie between 0 and 1");
      }
    }
  }

  /** What was sent. */
  public record Summary(long sent, long labelled, Map<BrokenKind, Long> broken, double seconds) {
    public long brokenTotal() {
      return broken.values().stream().mapToLong(Long::longValue).sum();
    }

    public double recordsPerSecond() {
      return seconds <= 0 ? 0 : sent / seconds;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "sent %,d records (%,d labelled, %,d broken %s) in %.1f s, %,.0f records/s",
          sent, labelled, brokenTotal(), broken, seconds, recordsPerSecond());
    }
  }

  /** A schema id no registry hands out in practice, for {@link BrokenKind#UNKNOWN_SCHEMA_ID}. */
  static final int UNKNOWN_SCHEMA_ID = 0x7ffffff0;

  /** One scanner of the fleet that goes wrong in the way {@code fault} says, from the first record on. */
  public record Faulty(String scannerId, ScannerFault fault) {}

  private final Producer<String, byte[]> producer;
  private final Serializer<InventoryImage> serializer;
  private final Options options;
  private final Faulty faulty;

  public ScannerSimulator(Producer<String, byte[]> producer, Serializer<InventoryImage> serializer,
      Options options) {
    this(producer, serializer, options, null);
  }

  /** @param faulty the scanner that goes wrong, or null for a healthy fleet */
  public ScannerSimulator(Producer<String, byte[]> producer, Serializer<InventoryImage> serializer,
      Options options, Faulty faulty) {
    this.producer = producer;
    this.serializer = serializer;
    this.options = options;
    this.faulty = faulty;
  }

  /**
   * A producer for the simulator: acknowledged by all in-sync replicas, and quick to fail when the brokers are not
   * there rather than retrying for minutes.
   *
   * @param clientConfig bootstrap servers and security settings
   */
  public static KafkaProducer<String, byte[]> producer(Map<String, Object> clientConfig, String clientId) {
    Properties props = new Properties();
    props.putAll(clientConfig);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  /** The item id of the n-th record: stable for a seed, so reruns are comparable. */
  public static String itemId(long seed, long n) {
    return String.format(Locale.ROOT, "item-%d-%08d", seed, n);
  }

  public static String scannerId(int scanner) {
    return String.format(Locale.ROOT, "scanner-%02d", scanner + 1);
  }

  public static String warehouseId(int warehouse) {
    return String.format(Locale.ROOT, "warehouse-%d", warehouse + 1);
  }

  /**
   * Sends {@code options.count()} records taken in turn from {@code images}, calling {@code progress} with the
   * number sent so far, until done or {@code stopped} says so; then waits for every send to be acknowledged.
   */
  public Summary run(List<ScanImage> images, BooleanSupplier stopped, LongConsumer progress) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no images to send");
    }
    Random random = new Random(options.seed());
    Map<BrokenKind, Long> broken = new EnumMap<>(BrokenKind.class);
    BrokenKind[] kinds = BrokenKind.values();
    AtomicReference<Exception> failure = new AtomicReference<>();
    long labelled = 0;
    long sent = 0;
    long start = System.nanoTime();
    for (long n = 0; n < options.count() && !stopped.getAsBoolean(); n++) {
      pace(start, n);
      int scanner = random.nextInt(options.scanners());
      ScannerFault fault = faulty != null && faulty.scannerId().equals(scannerId(scanner)) ? faulty.fault() : null;
      ScanImage image = fault == null ? images.get((int) (n % images.size())) : taken(images, n, fault);
      long now = System.currentTimeMillis();
      boolean isLabelled = image.hasLabel() && random.nextDouble() < options.labelledFraction();
      boolean isBroken = random.nextDouble() < options.brokenFraction();
      String itemId = itemId(options.seed(), n);
      InventoryImage record = InventoryImage.newBuilder()
          .setItemId(itemId)
          .setScannerId(scannerId(scanner))
          // scanners are spread evenly over warehouses
          .setWarehouseId(warehouseId(scanner % options.warehouses()))
          .setCaptureTime(Instant.ofEpochMilli(fault == null ? now : fault.captureTime(now)))
          .setWidth(image.width())
          .setHeight(image.height())
          .setPixels(ByteBuffer.wrap(fault == null ? image.pixels()
              : fault.apply(image.pixels(), image.width(), image.height(), random)))
          .setLabel(isLabelled ? FashionClass.values()[image.label()] : null)
          .build();
      byte[] value;
      if (isBroken) {
        BrokenKind kind = kinds[(int) (broken.values().stream().mapToLong(Long::longValue).sum() % kinds.length)];
        broken.merge(kind, 1L, Long::sum);
        value = breakRecord(kind, record);
      } else {
        value = serializer.serialize(options.topic(), record);
        if (isLabelled) {
          labelled++;
        }
      }
      producer.send(new ProducerRecord<>(options.topic(), itemId, value), (metadata, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
      });
      sent++;
      if (failure.get() != null) {
        break;
      }
      if ((sent & 255) == 0) {
        progress.accept(sent);
      }
    }
    producer.flush();
    progress.accept(sent);
    if (failure.get() != null) {
      throw new IllegalStateException("sending to " + options.topic() + " failed: " + failure.get().getMessage(),
          failure.get());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Summary(sent, labelled, Map.copyOf(broken), seconds);
  }

  /**
   * The true label of an item this simulator sends from {@code images} (what a person checking it would find), or
   * -1 for an item id of another seed or an unlabelled image: the item id gives the image, and the scanner whether
   * its fault chose another one.
   */
  public int trueLabel(List<ScanImage> images, String itemId, String scannerId) {
    String prefix = itemId(options.seed(), 0).substring(0, itemId(options.seed(), 0).lastIndexOf('-') + 1);
    if (images.isEmpty() || !itemId.startsWith(prefix)) {
      return -1;
    }
    long n;
    try {
      n = Long.parseLong(itemId.substring(prefix.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
    ScannerFault fault = faulty != null && faulty.scannerId().equals(scannerId) ? faulty.fault() : null;
    ScanImage image = fault == null ? images.get((int) (n % images.size())) : taken(images, n, fault);
    return image.hasLabel() ? image.label() : -1;
  }

  /** The n-th image, or for a scanner on another product line the next one it takes. */
  private static ScanImage taken(List<ScanImage> images, long n, ScannerFault fault) {
    int first = (int) (n % images.size());
    for (int i = 0; i < images.size(); i++) {
      ScanImage image = images.get((first + i) % images.size());
      if (!image.hasLabel() || fault.takes(image.label())) {
        return image;
      }
    }
    return images.get(first);
  }

  private void pace(long startNanos, long n) {
    if (options.ratePerSecond() <= 0) {
      return;
    }
    long due = startNanos + (long) (n * 1e9 / options.ratePerSecond());
    long wait = due - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private byte[] breakRecord(BrokenKind kind, InventoryImage record) {
    switch (kind) {
      case NOT_AVRO:
        return ("not an avro record: " + record.getItemId()).getBytes(StandardCharsets.UTF_8);
      case UNKNOWN_SCHEMA_ID: {
        byte[] good = serializer.serialize(options.topic(), record);
        ByteBuffer.wrap(good).putInt(1, UNKNOWN_SCHEMA_ID);
        return good;
      }
      case TRUNCATED: {
        byte[] good = serializer.serialize(options.topic(), record);
        return Arrays.copyOf(good, 5 + (good.length - 5) / 2);
      }
      case WRONG_SIZE:
        record.setWidth(27);
        record.setPixels(ByteBuffer.wrap(Arrays.copyOf(record.getPixels().array(), 27 * 28)));
        return serializer.serialize(options.topic(), record);
      default:
        throw new IllegalStateException("unknown kind " + kind);
    }
  }
}
