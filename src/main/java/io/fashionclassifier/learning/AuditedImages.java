package io.fashionclassifier.learning;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The audited items with their images. Audited items carry no pixels, so the images are read from the input topic
 * by item id: an item whose image has left that topic (its retention) cannot be trained on, and is counted.
 *
 * @param truth the latest audit's class of each audited item, by item id, in the order first audited
 * @param pixels the image of each audited item found on the input topic (the latest record of its id)
 * @param withoutImage audited items whose image was not found on the input topic, or not 28x28
 */
record AuditedImages(Map<String, Integer> truth, Map<String, byte[]> pixels, int withoutImage) {

  /** Reads the audited topic, then the input topic, each to its end as it is now. */
  static AuditedImages read(Map<String, Object> clientConfig, Map<String, Object> serdeConfig, String auditedTopic,
      String inputTopic, Duration timeout) {
    Map<String, Integer> truth = new LinkedHashMap<>();
    try (SpecificAvroDeserializer<AuditedItem> audited = new SpecificAvroDeserializer<>(AuditedItem.class)) {
      audited.configure(serdeConfig, false);
      TopicReplay.read(clientConfig, auditedTopic, timeout, (key, value) -> {
        if (key != null && value != null) {
          truth.put(key, audited.deserialize(auditedTopic, value).getTrueLabel().ordinal());
        }
      });
    }
    Map<String, byte[]> pixels = new LinkedHashMap<>();
    try (SpecificAvroDeserializer<InventoryImage> images = new SpecificAvroDeserializer<>(InventoryImage.class)) {
      images.configure(serdeConfig, false);
      TopicReplay.read(clientConfig, inputTopic, timeout, (key, value) -> {
        // the key is the item id by convention; the record's own id decides, as for the classifier
        if (value == null) {
          return;
        }
        InventoryImage image;
        try {
          image = images.deserialize(inputTopic, value);
        } catch (RuntimeException e) {
          return; // what the classifier dead-lettered is no training image either
        }
        byte[] bytes = usable(image);
        if (bytes != null && truth.containsKey(image.getItemId())) {
          pixels.put(image.getItemId(), bytes);
        }
      });
    }
    return new AuditedImages(truth, pixels, truth.size() - pixels.size());
  }

  private static byte[] usable(InventoryImage image) {
    ByteBuffer buffer = image.getPixels();
    if (image.getItemId() == null || image.getWidth() != FashionMnist.COLUMNS
        || image.getHeight() != FashionMnist.ROWS || buffer == null || buffer.remaining() != FashionMnist.PIXELS) {
      return null;
    }
    byte[] bytes = new byte[FashionMnist.PIXELS];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
