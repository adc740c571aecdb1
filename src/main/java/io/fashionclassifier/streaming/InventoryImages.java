package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.InventoryImage;
import java.nio.ByteBuffer;

/** Checks that an inventory image is something the model can classify. */
final class InventoryImages {

  static final int SIDE = 28;
  /**
   * Longest id (item, scanner, warehouse) in UTF-8 bytes. Ids are copied into the outputs' keys and values, so a
   * bound here is what keeps every output far below the producer's request size.
   */
  static final int MAX_ID_BYTES = 512;

  private InventoryImages() {}

  /**
   * Returns the image's pixels after checking the size. The label needs no check: the Avro enum already rejects
   * anything outside the ten classes when the record is decoded.
   *
   * @throws InvalidImageException naming what is wrong
   */
  static byte[] validatedPixels(InventoryImage image) {
    if (image.getItemId() == null || image.getItemId().isBlank()) {
      throw new InvalidImageException("itemId is empty");
    }
    checkIdLength("itemId", image.getItemId());
    checkIdLength("scannerId", image.getScannerId());
    checkIdLength("warehouseId", image.getWarehouseId());
    if (image.getWidth() != SIDE || image.getHeight() != SIDE) {
      throw new InvalidImageException(
          "image is " + image.getWidth() + "x" + image.getHeight() + ", the model takes " + SIDE + "x" + SIDE);
    }
    ByteBuffer pixels = image.getPixels();
    int count = pixels == null ? 0 : pixels.remaining();
    if (count != SIDE * SIDE) {
      throw new InvalidImageException(
          "image has " + count + " pixels, " + SIDE + "x" + SIDE + " needs " + SIDE * SIDE);
    }
    byte[] bytes = new byte[count];
    pixels.duplicate().get(bytes);
    return bytes;
  }

  private static void checkIdLength(String field, String id) {
    // a UTF-8 character takes at most 3 bytes per UTF-16 char: only long strings need counting
    if (id != null && id.length() * 3 > MAX_ID_BYTES && utf8Length(id) > MAX_ID_BYTES) {
      throw new InvalidImageException(field + " is " + utf8Length(id) + " bytes long; ids may have at most "
          + MAX_ID_BYTES + " (UTF-8)");
    }
  }

  private static int utf8Length(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }
}
