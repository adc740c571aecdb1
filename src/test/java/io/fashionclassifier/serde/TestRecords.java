package io.fashionclassifier.serde;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

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

  /** A record in the oldest test schema (no label), as an older producer would write it. */
  static GenericRecord v0Image(String itemId) {
    GenericRecord record = new GenericData.Record(schema("InventoryImage-v0"));
    record.put("itemId", itemId);
    record.put("scannerId", "scanner-1");
    record.put("warehouseId", "wh-1");
    record.put("captureTime", 1_000L);
    record.put("width", 2);
    record.put("height", 2);
    record.put("pixels", ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
    return record;
  }

  /** {@code datum} in the wire format under schema id {@code id}, encoded with {@code schema}. */
  static byte[] payload(int id, Schema schema, Object datum) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(WireFormat.MAGIC_BYTE);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(id).array());
    org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    try {
      new org.apache.avro.specific.SpecificDatumWriter<Object>(schema).write(datum, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** An {@link InventoryImage} in the wire format under schema id {@code id}. */
  static byte[] imagePayload(int id) {
    return payload(id, InventoryImage.getClassSchema(), image("item-1", FashionClass.COAT));
  }

  static KafkaAvroSerializer genericSerializer(Map<String, ?> config) {
    KafkaAvroSerializer serializer = new KafkaAvroSerializer();
    serializer.configure(config, false);
    return serializer;
  }

  static SpecificAvroDeserializer<InventoryImage> specificDeserializer(Map<String, ?> config) {
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(config, false);
    return deserializer;
  }
}
