package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.InventoryImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

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
    checkCaptureTime(image.getCaptureTime());
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

  /**
   * Kafka refuses negative record timestamps, and the accuracy figures are stamped with the capture time: a capture
   * time before 1970 would make every flush of its batch fail. Times far ahead are believed only up to the
   * aggregates' future skew ({@link AccuracyAggregates}), so they need no bound here.
   */
  private static void checkCaptureTime(Instant captureTime) {
    if (captureTime.isBefore(Instant.EPOCH)) {
      throw new InvalidImageException("captureTime " + captureTime + " is before 1970-01-01T00:00:00Z; capture "
          + "times are milliseconds since the Unix epoch");
    }
  }

  /**
   * What a record makes the classifier write: its key, value and headers go into the buffer's changelog record and,
   * should it fail later, into a dead letter, both sent by a transactional producer that a record over
   * {@code max.request.size} would leave unable to commit. Sizes are the decompressed ones, as the producer counts
   * them, so a record that fitted the broker only compressed is caught too. A header costs its key and value and the
   * lengths the changelog stores with them.
   *
   * @throws InvalidImageException when the record is larger than {@code maxBytes}
   */
  static void checkRecordSize(byte[] key, byte[] value, Headers headers, int maxBytes) {
    long size = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    int count = 0;
    for (Header header : headers) {
      size += headerBytes(header);
      count++;
    }
    if (size > maxBytes) {
      throw new InvalidImageException("the record is about " + size + " bytes with its " + count + " headers; the "
          + "classifier takes records of at most " + maxBytes + " bytes (" + ClassifierConfig.INPUT_MAX_RECORD_BYTES
          + "), key, value and headers uncompressed");
    }
  }

  /** Lengths stored with each header in the buffer's changelog record. */
  private static final int HEADER_OVERHEAD = 8;

  /**
   * At most what one header takes in the buffer's changelog record or a dead letter: its key (up to 3 UTF-8 bytes
   * per char), its value and the lengths stored with them.
   */
  static long headerBytes(Header header) {
    return HEADER_OVERHEAD + header.key().length() * 3L + (header.value() == null ? 0 : header.value().length);
  }

  private static void checkIdLength(String field, String id) {
    // a UTF-8 character takes at most 3 bytes per UTF-16 char: only long strings need counting
    if (id != null && id.length() * 3 > MAX_ID_BYTES && utf8Length(id) > MAX_ID_BYTES) {
      throw new InvalidImageException(field + " is " + utf8Length(id) + " bytes long; ids may have at most "
          + MAX_ID_BYTES + " (UTF-8)");
    }
  }

  private static int utf8Length(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }
}
