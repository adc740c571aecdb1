package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Decoding work per record is bounded, items skipped included: a writer schema compatible with
 * {@code InventoryImage} but with an extra {@code array<null>} field, whose blocks claim 2^31-1 items each, must fail
 * as a malformed payload at once instead of keeping the stream thread busy for hours.
 */
class SkipBombTest {

  private static final String TOPIC = "inventory-images";
  /** Far beyond what the bounded decoder needs; the unbounded one needs hours. */
  private static final Duration GENEROUS = Duration.ofSeconds(30);

  private final String scope = TestRecords.uniqueScope();
  private Schema bombSchema;
  private int bombId;

  @BeforeEach
  void setUp() {
    List<Schema.Field> fields = new ArrayList<>();
    InventoryImage.getClassSchema().getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.add(new Schema.Field("junk", Schema.createArray(Schema.create(Schema.Type.NULL)), null, List.of()));
    Schema image = InventoryImage.getClassSchema();
    bombSchema = Schema.createRecord(image.getName(), image.getDoc(), image.getNamespace(), false, fields);
    bombId = MockSchemaRegistry.getClientForScope(scope).register("bombs-value", bombSchema);
  }

  @AfterEach
  void dropScope() {
    MockSchemaRegistry.dropScope(scope);
  }

  /** A valid record of the writer schema whose {@code junk} array is replaced by these raw block counts. */
  private byte[] withJunkBlocks(long blockCount, int blocks) throws IOException {
    GenericRecord record = new GenericData.Record(bombSchema);
    InventoryImage good = TestRecords.image("bomb-1", FashionClass.BAG);
    InventoryImage.getClassSchema().getFields().forEach(f -> record.put(f.name(), good.get(f.pos())));
    record.put("label", new GenericData.EnumSymbol(FashionClass.getClassSchema(), "BAG"));
    record.put("captureTime", good.getCaptureTime().toEpochMilli());
    record.put("junk", List.of());
    byte[] valid = TestRecords.payload(bombId, bombSchema, record);
    // The empty array is the last byte (block count 0); replace it by the bomb's blocks and then the end.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, valid.length - 1);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    for (int i = 0; i < blocks; i++) {
      encoder.writeLong(blockCount);
    }
    encoder.writeLong(0);
    encoder.flush();
    return out.toByteArray();
  }

  private AvroSerializationException failure(byte[] bytes) {
    SpecificAvroDeserializer<InventoryImage> deserializer =
        TestRecords.specificDeserializer(Map.of("schema.registry.url", "mock://" + scope));
    return assertTimeoutPreemptively(GENEROUS,
        () -> catchThrowableOfType(AvroSerializationException.class, () -> deserializer.deserialize(TOPIC, bytes)));
  }

  @Test
  void theUntouchedRecordDecodes() throws IOException {
    SpecificAvroDeserializer<InventoryImage> deserializer =
        TestRecords.specificDeserializer(Map.of("schema.registry.url", "mock://" + scope));

    assertThat(deserializer.deserialize(TOPIC, withJunkBlocks(3, 1)).getItemId()).isEqualTo("bomb-1");
  }

  @Test
  void skippedBlocksOf2To31ItemsFailFastAsMalformed() throws IOException {
    AvroSerializationException e = failure(withJunkBlocks(Integer.MAX_VALUE, 1000));

    assertThat(e).isInstanceOf(MalformedPayloadException.class);
    assertThat(e.isPoisonPill()).isTrue();
  }

  @Test
  void manySmallSkippedBlocksAreBoundedInTotal() throws IOException {
    // Each block alone is within the body's size; together they are millions of items.
    AvroSerializationException e = failure(withJunkBlocks(800, 10_000));

    assertThat(e).isInstanceOf(MalformedPayloadException.class).hasMessageContaining("items");
  }

  @Test
  void readBlocksAreBoundedInTotalToo() throws IOException {
    KafkaAvroDeserializer reader = new KafkaAvroDeserializer();
    reader.configure(Map.of("schema.registry.url", "mock://" + scope), false);
    byte[] bytes = withJunkBlocks(800, 10_000);

    AvroSerializationException e = assertTimeoutPreemptively(GENEROUS,
        () -> catchThrowableOfType(AvroSerializationException.class, () -> reader.deserialize(TOPIC, bytes)));

    assertThat(e).isInstanceOf(MalformedPayloadException.class).hasMessageContaining("items");
  }
}
