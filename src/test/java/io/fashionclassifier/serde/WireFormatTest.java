package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.InventoryImage;
import java.util.HexFormat;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WireFormatTest {

  private final String scope = TestRecords.uniqueScope();

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.dropScope(scope);
  }

  @Test
  void serializesMagicByteSchemaIdAndAvroBinaryExactly() {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(Map.of("schema.registry.url", "mock://" + scope), false);

    byte[] bytes = serializer.serialize("inventory-images", TestRecords.tinyImage());

    // magic 00 | id 00000001 | "i1" (zigzag length 2 -> 04) | "s" | "w" | captureTime 1 -> 02 | width 2 -> 04
    // | height 1 -> 02 | pixels: length 2 -> 04, 00 ff | label: union branch 1 -> 02, BAG = symbol 8 -> 10
    assertThat(HexFormat.of().formatHex(bytes))
        .isEqualTo("00" + "00000001" + "046931" + "0273" + "0277" + "02" + "04" + "02" + "0400ff" + "0210");
  }

  @Test
  void writesTheSchemaIdBigEndian() {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>(new FixedIdClient(0x0A0B0C0D));
    serializer.configure(Map.of(), false);

    byte[] bytes = serializer.serialize("inventory-images", TestRecords.tinyImage());

    assertThat(HexFormat.of().formatHex(bytes, 0, 5)).isEqualTo("000a0b0c0d");
    assertThat(WireFormat.schemaId(bytes)).isEqualTo(0x0A0B0C0D);
  }

  @Test
  void decodesGoldenBytesIntoTheGeneratedClass() {
    MockSchemaRegistry.getClientForScope(scope).register("inventory-images-value", InventoryImage.getClassSchema());
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(Map.of("schema.registry.url", "mock://" + scope), false);

    InventoryImage image = deserializer.deserialize("inventory-images",
        HexFormat.of().parseHex("00000000010469310273027702040204" + "00ff0210"));

    assertThat(image).isEqualTo(TestRecords.tinyImage());
  }

  @Test
  void nullStaysNullBothWays() {
    SpecificAvroSerde<InventoryImage> serde = new SpecificAvroSerde<>();
    serde.configure(Map.of("schema.registry.url", "mock://" + scope), false);

    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }

  /** A registry that gives every schema the same id, to see how the id is framed. */
  private record FixedIdClient(int id) implements SchemaRegistryClient {
    @Override
    public int register(String subject, Schema schema) {
      return id;
    }

    @Override
    public int getId(String subject, Schema schema) {
      return id;
    }

    @Override
    public Schema getSchemaById(int id) {
      return InventoryImage.getClassSchema();
    }

    @Override
    public SchemaMetadata getLatestSchemaMetadata(String subject) {
      return new SchemaMetadata(id, subject, 1, InventoryImage.getClassSchema());
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
      return true;
    }

    @Override
    public String compatibilityLevel(String subject) {
      return "NONE";
    }
  }
}
