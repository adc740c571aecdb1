package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.AvroSerializationException;
import org.apache.avro.generic.GenericContainer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns an input value into an image the model can take, or an exception saying why not: poison pills and invalid
 * images ({@link InvalidImageException}, {@link AvroSerializationException}) are the record's fault and go to the
 * dead-letter topic; a registry outage ({@link DeadLetters#isOutage}) is not, and propagates.
 */
final class ImageDecoder {

  /** An image with its checked pixels, as the model takes them. */
  record Decoded(InventoryImage image, byte[] pixels) {}

  private final Deserializer<InventoryImage> images;

  ImageDecoder(Deserializer<InventoryImage> images) {
    this.images = images;
  }

  Decoded decode(String topic, Headers headers, byte[] value) {
    Object datum;
    try {
      // through a wildcard type: a writer schema of another type must not meet a cast the compiler put here
      datum = ((Deserializer<?>) images).deserialize(topic, headers, value);
    } catch (AvroSerializationException e) {
      throw e; // a poison pill, or a registry outage that must not become a dead letter
    } catch (RuntimeException e) {
      // decoding depends on the bytes alone once the registry answered: whatever else it throws (a
      // ClassCastException, which Kafka Streams would take for a topology bug, or an Avro runtime error) is the
      // record's fault
      throw new InvalidImageException("the value does not decode into an InventoryImage: " + e, e);
    }
    if (datum == null) {
      throw new InvalidImageException("the record has no value (tombstone)");
    }
    if (!(datum instanceof InventoryImage image)) {
      throw new InvalidImageException("the value is a " + describe(datum) + ", not an InventoryImage");
    }
    return new Decoded(image, InventoryImages.validatedPixels(image));
  }

  private static String describe(Object datum) {
    return datum instanceof GenericContainer container
        ? container.getSchema().getType().getName() + " " + container.getSchema().getFullName()
        : datum.getClass().getSimpleName();
  }
}
