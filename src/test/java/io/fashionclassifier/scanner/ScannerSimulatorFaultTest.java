package io.fashionclassifier.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One scanner of the simulated fleet broken on purpose: only its records change, in the way its fault says. */
class ScannerSimulatorFaultTest {

  private final String scope = "faulty-" + UUID.randomUUID();
  private final Map<String, Object> serdeConfig = Map.of("schema.registry.url", "mock://" + scope);

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.dropScope(scope);
  }

  /** Ten images, image i of label i, every pixel i + 1 (so a darkened one is told apart). */
  private static List<ScanImage> images() {
    List<ScanImage> images = new ArrayList<>();
    for (int label = 0; label < 10; label++) {
      byte[] pixels = new byte[784];
      java.util.Arrays.fill(pixels, (byte) (3 * (label + 1)));
      images.add(new ScanImage(pixels, 28, 28, label));
    }
    return images;
  }

  private List<InventoryImage> send(ScannerSimulator.Faulty faulty) {
    MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
        new ByteArraySerializer());
    try (SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
        SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>()) {
      serializer.configure(serdeConfig, false);
      deserializer.configure(serdeConfig, false);
      new ScannerSimulator(producer, serializer,
          new ScannerSimulator.Options("in", 400, 0, 4, 2, 1.0, 0, 3), faulty)
          .run(images(), () -> false, sent -> { });
      return producer.history().stream().map(r -> deserializer.deserialize("in", r.value())).toList();
    }
  }

  @Test
  void aDarkScannerSendsDarkenedPhotosAndTheOthersSendThemAsTheyAre() {
    List<InventoryImage> sent = send(new ScannerSimulator.Faulty("scanner-02", ScannerFault.DARK));
    for (InventoryImage image : sent) {
      int label = image.getLabel().ordinal();
      int pixel = image.getPixels().get(0) & 0xff;
      int expected = image.getScannerId().equals("scanner-02") ? 3 * (label + 1) / 3 : 3 * (label + 1);
      assertThat(pixel).as(image.getItemId() + " from " + image.getScannerId()).isEqualTo(expected);
    }
    assertThat(sent).extracting(InventoryImage::getScannerId).contains("scanner-02", "scanner-01");
  }

  @Test
  void aScannerMovedToTheFootwearLineSendsOnlyFootwear() {
    List<InventoryImage> sent = send(new ScannerSimulator.Faulty("scanner-03", ScannerFault.PRODUCT_MIX));
    assertThat(sent).filteredOn(i -> i.getScannerId().equals("scanner-03")).isNotEmpty()
        .allMatch(i -> ScannerFault.PRODUCT_MIX.takes(i.getLabel().ordinal()));
    assertThat(sent).filteredOn(i -> !i.getScannerId().equals("scanner-03"))
        .anyMatch(i -> !ScannerFault.PRODUCT_MIX.takes(i.getLabel().ordinal()));
  }

  @Test
  void aScannerWhoseClockIsBehindStampsItsCapturesTwoMinutesEarly() {
    long before = System.currentTimeMillis();
    List<InventoryImage> sent = send(new ScannerSimulator.Faulty("scanner-01", ScannerFault.CLOCK_BEHIND));
    long after = System.currentTimeMillis();
    for (InventoryImage image : sent) {
      long stamped = image.getCaptureTime().toEpochMilli();
      long shift = image.getScannerId().equals("scanner-01") ? ScannerFault.CLOCK_BEHIND_MILLIS : 0;
      assertThat(stamped + shift).isBetween(before, after);
    }
  }
}
