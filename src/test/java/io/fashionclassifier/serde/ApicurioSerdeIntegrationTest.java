package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The serdes and the HTTP client against a real registry: Apicurio 3 through its Confluent-compatible API. */
@Tag("integration")
@ExtendWith(ApicurioRegistryExtension.class)
class ApicurioSerdeIntegrationTest {

  private String topic;
  private Map<String, String> config;
  private RestSchemaRegistryClient client;

  @BeforeEach
  void setUp(ApicurioRegistry registry) {
    topic = "images-" + UUID.randomUUID();
    config = Map.of("schema.registry.url", registry.confluentUrl());
    client = new RestSchemaRegistryClient(new AvroSerdeConfig(config));
  }

  @Test
  void registersAndFetchesBackBySubjectAndId() {
    int id = client.register(topic + "-value", InventoryImage.getClassSchema());

    assertThat(new RestSchemaRegistryClient(new AvroSerdeConfig(config)).getSchemaById(id))
        .isEqualTo(InventoryImage.getClassSchema());
    assertThat(client.getId(topic + "-value", InventoryImage.getClassSchema())).isEqualTo(id);
    SchemaMetadata latest = client.getLatestSchemaMetadata(topic + "-value");
    assertThat(latest.id()).isEqualTo(id);
    assertThat(latest.version()).isEqualTo(1);
  }

  @Test
  void roundTripsThroughTheSerde() {
    SpecificAvroSerde<InventoryImage> serde = new SpecificAvroSerde<>();
    serde.configure(config, false);
    InventoryImage image = TestRecords.image("item-1", FashionClass.ANKLE_BOOT);

    byte[] bytes = serde.serializer().serialize(topic, image);

    assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(image);
    assertThat(WireFormat.schemaId(bytes)).isEqualTo(client.getLatestSchemaMetadata(topic + "-value").id());
  }

  @Test
  void olderWriterNewerReader() {
    byte[] bytes = TestRecords.genericSerializer(config).serialize(topic, TestRecords.v0Image("old-1"));

    InventoryImage image = TestRecords.specificDeserializer(config).deserialize(topic, bytes);

    assertThat(image.getItemId()).isEqualTo("old-1");
    assertThat(image.getLabel()).isNull();
  }

  @Test
  void newerWriterOlderReader() {
    SpecificAvroSerializer<InventoryImage> current = new SpecificAvroSerializer<>();
    current.configure(config, false);
    current.serialize(topic, TestRecords.image("v1", FashionClass.BAG));
    Schema v2 = TestRecords.schema("InventoryImage-v2");
    GenericRecord newer = new GenericData.Record(v2);
    GenericRecord v0 = TestRecords.v0Image("new-1");
    v0.getSchema().getFields().forEach(f -> newer.put(f.name(), v0.get(f.name())));
    newer.put("label", new GenericData.EnumSymbol(v2.getField("label").schema().getTypes().get(1), "TROUSER"));
    newer.put("exposureMicros", 125L);

    byte[] bytes = TestRecords.genericSerializer(config).serialize(topic, newer);
    InventoryImage image = TestRecords.specificDeserializer(config).deserialize(topic, bytes);

    assertThat(client.getLatestSchemaMetadata(topic + "-value").version()).isEqualTo(2);
    assertThat(image.getItemId()).isEqualTo("new-1");
    assertThat(image.getLabel()).isEqualTo(FashionClass.TROUSER);
  }

  @Test
  void rejectsAnIncompatibleChangeWithErrorCode409() {
    client.register(topic + "-value", InventoryImage.getClassSchema());
    Schema incompatible = TestRecords.schema("InventoryImage-incompatible");

    SchemaRegistryException direct = catchThrowableOfType(SchemaRegistryException.class,
        () -> client.register(topic + "-value", incompatible));
    GenericRecord record = new GenericData.Record(incompatible);
    SchemaRegistryAccessException viaSerializer = catchThrowableOfType(SchemaRegistryAccessException.class,
        () -> TestRecords.genericSerializer(config).serialize(topic, record));

    assertThat(direct.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
    assertThat(direct.status()).isEqualTo(409);
    assertThat(viaSerializer.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
    assertThat(viaSerializer.isPoisonPill()).isFalse();
    assertThat(client.testCompatibility(topic + "-value", incompatible)).isFalse();
    assertThat(client.testCompatibility(topic + "-value", TestRecords.schema("InventoryImage-v2"))).isTrue();
  }

  @Test
  void unknownSubjectAndIdCarryConfluentsErrorCodes() {
    SchemaRegistryException noSubject = catchThrowableOfType(SchemaRegistryException.class,
        () -> client.getLatestSchemaMetadata(topic + "-value"));
    SchemaRegistryException noId = catchThrowableOfType(SchemaRegistryException.class,
        () -> client.getSchemaById(Integer.MAX_VALUE));
    UnknownSchemaIdException viaDeserializer = catchThrowableOfType(UnknownSchemaIdException.class,
        () -> TestRecords.specificDeserializer(config).deserialize(topic, new byte[] {0, 0x7f, 0x7f, 0x7f, 0x7f, 0}));

    assertThat(noSubject.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
    assertThat(noId.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    assertThat(viaDeserializer.schemaId()).isEqualTo(0x7f7f7f7f);
  }

  @Test
  void lookupOnlyModeFailsForAnUnregisteredSchema() {
    KafkaAvroSerializer lookupOnly = new KafkaAvroSerializer();
    lookupOnly.configure(Map.of("schema.registry.url", config.get("schema.registry.url"),
        "auto.register.schemas", "false"), false);

    SchemaRegistryAccessException e = catchThrowableOfType(SchemaRegistryAccessException.class,
        () -> lookupOnly.serialize(topic, TestRecords.image("x", null)));

    assertThat(e.errorCode()).isIn(SchemaRegistryException.SUBJECT_NOT_FOUND,
        SchemaRegistryException.SCHEMA_NOT_FOUND);
  }
}
