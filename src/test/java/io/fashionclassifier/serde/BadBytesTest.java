package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BadBytesTest {

  private static final String TOPIC = "inventory-images";

  private final String scope = TestRecords.uniqueScope();
  private SchemaRegistryClient registry;
  private SpecificAvroDeserializer<InventoryImage> deserializer;
  private byte[] good;

  @BeforeEach
  void setUp() {
    registry = MockSchemaRegistry.getClientForScope(scope);
    Map<String, String> config = Map.of("schema.registry.url", "mock://" + scope);
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config, false);
    good = serializer.serialize(TOPIC, TestRecords.image("item-1", FashionClass.COAT));
    deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(config, false);
  }

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.dropScope(scope);
  }

  @Test
  void wrongMagicByte() {
    byte[] bytes = good.clone();
    bytes[0] = 0x7b; // '{': somebody produced JSON

    UnknownMagicByteException e =
        catchThrowableOfType(UnknownMagicByteException.class, () -> deserializer.deserialize(TOPIC, bytes));

    assertThat(e).isInstanceOf(SerializationException.class).hasMessageContaining("0x7b")
        .hasMessageContaining("value of topic 'inventory-images'");
    assertThat(e.magicByte()).isEqualTo((byte) 0x7b);
    assertThat(e.topic()).isEqualTo(TOPIC);
    assertThat(e.isKey()).isFalse();
    assertThat(e.isPoisonPill()).isTrue();
  }

  @Test
  void payloadShorterThanTheHeader() {
    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 0}))
        .isInstanceOf(TruncatedPayloadException.class)
        .hasMessageContaining("3 bytes is shorter than the 5-byte header");
  }

  @Test
  void emptyPayload() {
    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[0]))
        .isInstanceOf(TruncatedPayloadException.class);
  }

  @Test
  void truncatedBody() {
    byte[] bytes = Arrays.copyOf(good, good.length - 100); // cut inside the pixels

    TruncatedPayloadException e =
        catchThrowableOfType(TruncatedPayloadException.class, () -> deserializer.deserialize(TOPIC, bytes));

    assertThat(e).hasMessageContaining("ends before the end of a io.fashionclassifier.schema.InventoryImage record");
    assertThat(e.schemaId()).isEqualTo(WireFormat.schemaId(good));
  }

  @Test
  void bytesLeftAfterTheRecord() {
    byte[] bytes = Arrays.copyOf(good, good.length + 2);

    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
        .isInstanceOf(MalformedPayloadException.class)
        .isNotInstanceOf(TruncatedPayloadException.class)
        .hasMessageContaining("bytes left after the end");
  }

  @Test
  void invalidUnionBranch() {
    byte[] bytes = good.clone();
    bytes[bytes.length - 2] = 0x08; // label: union branch 4 of a 2-branch union

    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
        .isInstanceOf(MalformedPayloadException.class);
  }

  @Test
  void unknownSchemaId() {
    byte[] bytes = good.clone();
    bytes[4] = 42;

    UnknownSchemaIdException e =
        catchThrowableOfType(UnknownSchemaIdException.class, () -> deserializer.deserialize(TOPIC, bytes));

    assertThat(e).hasMessageContaining("Schema id 42 not found");
    assertThat(e.schemaId()).isEqualTo(42);
    assertThat(e.isPoisonPill()).isTrue();
    assertThat(((SchemaRegistryException) e.getCause()).errorCode())
        .isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
  }

  @Test
  void writerSchemaNotResolvableAgainstTheGeneratedClass() {
    // Same record name, but width is a string and a required field was added: not readable as InventoryImage.
    Schema incompatible = TestRecords.schema("InventoryImage-incompatible");
    int id = registry.register("elsewhere-value", incompatible);
    GenericRecord record = new GenericData.Record(incompatible);
    incompatible.getFields().forEach(f -> record.put(f.name(), sampleValue(f.schema())));
    KafkaAvroSerializer generic = new KafkaAvroSerializer(registry, Map.of());
    byte[] bytes = generic.serialize("elsewhere", record);

    IncompatibleSchemaException e =
        catchThrowableOfType(IncompatibleSchemaException.class, () -> deserializer.deserialize(TOPIC, bytes));

    assertThat(e.schemaId()).isEqualTo(id);
    assertThat(e.writerSchemaName()).isEqualTo("io.fashionclassifier.schema.InventoryImage");
    assertThat(e).hasMessageContaining("/fields/4/type");
  }

  @Test
  void writerSchemaWithoutAGeneratedClass() {
    Schema unknown = SchemaBuilder.record("Parcel").namespace("com.example").fields()
        .requiredString("id").endRecord();
    GenericRecord parcel = new GenericData.Record(unknown);
    parcel.put("id", "p-1");
    byte[] bytes = new KafkaAvroSerializer(registry, Map.of()).serialize("parcels", parcel);

    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
        .isInstanceOf(IncompatibleSchemaException.class)
        .hasMessageContaining("no generated class com.example.Parcel");
  }

  @Test
  void hugeLengthPrefixIsReportedNotAllocated() {
    // itemId claims a string of about 2^30 bytes in a payload of 10 bytes.
    byte[] bytes = HexFormat.of().parseHex("0000000001" + "8080808008");
    bytes[4] = (byte) WireFormat.schemaId(good);

    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
        .isInstanceOf(MalformedPayloadException.class);
  }

  @Test
  void recordsNestedDeeperThanTheStackAreMalformed() {
    Schema node = new Schema.Parser().parse(
        "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
    int id = registry.register("nodes-value", node);
    byte[] bytes = new byte[WireFormat.HEADER_SIZE + 1_000_001];
    bytes[4] = (byte) id;
    Arrays.fill(bytes, WireFormat.HEADER_SIZE, bytes.length - 1, (byte) 2); // union branch 1: another Node
    KafkaAvroDeserializer generic = new KafkaAvroDeserializer(registry, Map.of());

    assertThatThrownBy(() -> generic.deserialize("nodes", bytes))
        .isInstanceOf(MalformedPayloadException.class)
        .hasMessageContaining("deeper than the stack");
  }

  private static Object sampleValue(Schema schema) {
    return switch (schema.getType()) {
      case STRING -> "x";
      case INT -> 1;
      case LONG -> 1L;
      case BYTES -> java.nio.ByteBuffer.wrap(new byte[] {1});
      default -> throw new IllegalArgumentException(schema.toString());
    };
  }
}
