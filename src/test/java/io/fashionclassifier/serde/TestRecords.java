package io.fashionclassifier.serde;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;
import org.apache.avro.Schema;

/** Records and test-only schemas shared by the serde tests. */
final class TestRecords {

  private TestRecords() {}

  /** The record of the golden-byte tests: every field small enough to encode by hand. */
  static InventoryImage tinyImage() {
    return InventoryImage.newBuilder()
        .setItemId("i1")
        .setScannerId("s")
        .setWarehouseId("w")
        .setCaptureTime(Instant.ofEpochMilli(1))
        .setWidth(2)
        .setHeight(1)
        .setPixels(ByteBuffer.wrap(new byte[] {0x00, (byte) 0xff}))
        .setLabel(FashionClass.BAG)
        .build();
  }

  static InventoryImage image(String itemId, FashionClass label) {
    byte[] pixels = new byte[28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 7);
    }
    return InventoryImage.newBuilder()
        .setItemId(itemId)
        .setScannerId("scanner-3")
        .setWarehouseId("wh-berlin")
        .setCaptureTime(Instant.ofEpochMilli(1_764_000_000_123L))
        .setWidth(28)
        .setHeight(28)
        .setPixels(ByteBuffer.wrap(pixels))
        .setLabel(label)
        .build();
  }

  /** A test-only schema from src/test/resources/avro. */
  static Schema schema(String name) {
    try (InputStream in = TestRecords.class.getResourceAsStream("/avro/" + name + ".avsc")) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String uniqueScope() {
    return "test-" + UUID.randomUUID();
  }
}
