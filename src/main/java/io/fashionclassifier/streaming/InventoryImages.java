package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.InventoryImage;
import java.nio.ByteBuffer;

/** Checks that an inventory image is something the model can classify. */
final class InventoryImages {

  static final int SIDE = 28;

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
}
