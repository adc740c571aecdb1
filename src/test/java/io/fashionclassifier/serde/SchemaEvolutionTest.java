package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
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
  @Test
  void readsVerdictsOfAnOlderClassifierWithNoShadowAtItsDefault() {
    Schema v1 = TestRecords.schema("ClassifiedItem-v1");
    byte[] bytes = TestRecords.genericSerializer(config).serialize("classified-items", v1Verdict(v1));
    SpecificAvroDeserializer<ClassifiedItem> current = new SpecificAvroDeserializer<>(ClassifiedItem.class);
    current.configure(config, false);

    ClassifiedItem verdict = current.deserialize("classified-items", bytes);

    assertThat(verdict.getItemId()).isEqualTo("old-verdict");
    assertThat(verdict.getPredictedLabel()).isEqualTo(FashionClass.BAG);
    assertThat(verdict.getShadow()).isNull();
  }

  @Test
  void theShadowFieldKeepsClassifiedItemCompatibleBothWays() {
    Schema v1 = TestRecords.schema("ClassifiedItem-v1");
    Schema current = ClassifiedItem.getClassSchema();

    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, v1).getType())
        .as("new readers read old verdicts").isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(v1, current).getType())
        .as("old readers read new verdicts").isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    SchemaRegistryClient registry = MockSchemaRegistry.getClientForScope(scope);
    int old = registry.register("classified-items-value", v1);
    assertThat(registry.register("classified-items-value", current)).as("the registry's BACKWARD check")
        .isNotEqualTo(old);
  }

  private static GenericRecord v1Verdict(Schema v1) {
    Schema fashionClass = v1.getField("predictedLabel").schema();
    Schema labelScore = v1.getField("topK").schema().getElementType();
    GenericRecord score = new GenericData.Record(labelScore);
    score.put("label", new GenericData.EnumSymbol(fashionClass, "BAG"));
    score.put("probability", 0.9f);
    GenericRecord verdict = new GenericData.Record(v1);
    verdict.put("itemId", "old-verdict");
    verdict.put("scannerId", "scanner-1");
    verdict.put("warehouseId", "wh-1");
    verdict.put("captureTime", 1_000L);
    verdict.put("predictedLabel", new GenericData.EnumSymbol(fashionClass, "BAG"));
    verdict.put("confidence", 0.9f);
    verdict.put("topK", List.of(score));
    verdict.put("modelVersion", "v1");
    verdict.put("classifiedTime", 2_000L);
    return verdict;
  }
}
