package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Inventory images for tests. */
final class TestImages {

  static final Instant CAPTURED = Instant.parse("2026-11-29T10:00:00Z");

  private TestImages() {}

  /** A 28x28 image whose first pixel makes {@link FakeClassifier} predict {@code firstPixel % 10}. */
  static InventoryImage image(String itemId, int firstPixel, FashionClass label) {
    return image(itemId, firstPixel, label, "scanner-1", 28, 28);
  }

  static InventoryImage image(
      String itemId, int firstPixel, FashionClass label, String scanner, int width, int height) {
    byte[] pixels = new byte[width * height];
    pixels[0] = (byte) firstPixel;
    return InventoryImage.newBuilder()
        .setItemId(itemId)
        .setScannerId(scanner)
        .setWarehouseId("warehouse-1")
        .setCaptureTime(CAPTURED)
        .setWidth(width)
        .setHeight(height)
        .setPixels(ByteBuffer.wrap(pixels))
        .setLabel(label)
        .build();
  }

  /** {@code image} captured at {@code time}. */
  static InventoryImage captured(InventoryImage image, Instant time) {
    return InventoryImage.newBuilder(image).setCaptureTime(time).build();
  }
}
