package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Producers on other schema versions: the reader resolves their writer schema against its own. */
class SchemaEvolutionTest {

  private static final String TOPIC = "inventory-images";

  private final String scope = TestRecords.uniqueScope();
  private final Map<String, String> config = Map.of("schema.registry.url", "mock://" + scope);

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.dropScope(scope);
  }

  @Test
  void readsRecordsOfAnOlderProducerWithTheOptionalFieldAtItsDefault() {
    byte[] bytes = TestRecords.genericSerializer(config).serialize(TOPIC, TestRecords.v0Image("old-1"));

    InventoryImage image = TestRecords.specificDeserializer(config).deserialize(TOPIC, bytes);

    assertThat(image.getItemId()).isEqualTo("old-1");
    assertThat(image.getCaptureTime()).isEqualTo(Instant.ofEpochMilli(1_000));
    assertThat(image.getLabel()).isNull();
  }

  @Test
  void readsRecordsOfANewerProducerIgnoringTheFieldItAdded() {
    SpecificAvroSerializer<InventoryImage> current = new SpecificAvroSerializer<>();
    current.configure(config, false);
    current.serialize(TOPIC, TestRecords.image("current", FashionClass.DRESS)); // v1 is registered first
    Schema v2 = TestRecords.schema("InventoryImage-v2");
    GenericRecord newer = new GenericData.Record(v2);
    GenericRecord v0 = TestRecords.v0Image("new-1");
    v0.getSchema().getFields().forEach(f -> newer.put(f.name(), v0.get(f.name())));
    newer.put("label", new GenericData.EnumSymbol(v2.getField("label").schema().getTypes().get(1), "SANDAL"));
    newer.put("exposureMicros", 250L);
    byte[] bytes = TestRecords.genericSerializer(config).serialize(TOPIC, newer);

    InventoryImage image = TestRecords.specificDeserializer(config).deserialize(TOPIC, bytes);

    assertThat(image.getItemId()).isEqualTo("new-1");
    assertThat(image.getLabel()).isEqualTo(FashionClass.SANDAL);
    assertThat(image.getPixels()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
  }

  @Test
  void genericReaderWithUseLatestVersionReadsOldRecordsIntoTheLatestSchema() {
    byte[] old = TestRecords.genericSerializer(config).serialize(TOPIC, TestRecords.v0Image("old-2"));
    MockSchemaRegistry.getClientForScope(scope).register(TOPIC + "-value", InventoryImage.getClassSchema());
    GenericAvroSerde serde = new GenericAvroSerde();
    serde.configure(Map.of("schema.registry.url", "mock://" + scope, "use.latest.version", "true"), false);

    GenericRecord record = serde.deserializer().deserialize(TOPIC, old);

    assertThat(record.getSchema()).isEqualTo(InventoryImage.getClassSchema());
    assertThat(record.get("label")).isNull();
    assertThat(record.get("itemId")).hasToString("old-2");
  }

  @Test
  void serializerWithUseLatestVersionWritesWithTheSubjectsLatestSchema() {
    SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);
    registry.register(TOPIC + "-value", InventoryImage.getClassSchema());
    Schema v2 = TestRecords.schema("InventoryImage-v2");
    int v2Id = registry.register(TOPIC + "-value", v2);
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(Map.of("schema.registry.url", "mock://" + scope, "auto.register.schemas", "false",
        "use.latest.version", "true"), false);

    byte[] bytes = serializer.serialize(TOPIC, TestRecords.image("item-9", FashionClass.SHIRT));
    GenericAvroSerde generic = new GenericAvroSerde();
    generic.configure(config, false);
    GenericRecord written = generic.deserializer().deserialize(TOPIC, bytes);

    assertThat(WireFormat.schemaId(bytes)).isEqualTo(v2Id);
    assertThat(written.getSchema()).isEqualTo(v2);
    assertThat(written.get("label")).hasToString("SHIRT");
    assertThat(written.get("exposureMicros")).isNull();
  }
}
