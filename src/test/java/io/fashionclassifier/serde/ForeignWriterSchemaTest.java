package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.LabelScore;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A value written with another record type (a {@code ClassifiedItem} copied into the input topic) or with a
 * primitive schema (a plain Avro {@code "string"}) is a poison pill for a deserializer of {@code InventoryImage}s,
 * never an object of another class: against the real Apicurio, where such producers register their schemas.
 */
@Tag("integration")
@ExtendWith(ApicurioRegistryExtension.class)
class ForeignWriterSchemaTest {

  private Map<String, String> config;
  private RestSchemaRegistryClient client;
  private String topic;

  @BeforeEach
  void setUp(ApicurioRegistry registry) {
    config = Map.of("schema.registry.url", registry.confluentUrl());
    client = new RestSchemaRegistryClient(new AvroSerdeConfig(config));
    topic = "images-" + UUID.randomUUID();
  }

  private byte[] classifiedItem() {
    SpecificAvroSerializer<ClassifiedItem> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config, false);
    Instant now = Instant.ofEpochMilli(1_764_000_000_000L);
    return serializer.serialize("classified-" + UUID.randomUUID(), ClassifiedItem.newBuilder()
        .setItemId("item-1").setScannerId("scanner-1").setWarehouseId("wh-1").setCaptureTime(now)
        .setPredictedLabel(FashionClass.BAG).setConfidence(0.9f).setTopK(List.of(new LabelScore(FashionClass.BAG, 0.9f)))
        .setModelVersion("m").setClassifiedTime(now).setTrueLabel(null).setCorrect(null).build());
  }

  private byte[] plainString() {
    Schema string = Schema.create(Schema.Type.STRING);
    int id = client.register("strings-" + UUID.randomUUID() + "-value", string);
    return TestRecords.payload(id, string, "hello");
  }

  private SpecificAvroDeserializer<InventoryImage> typed() {
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>(InventoryImage.class);
    deserializer.configure(config, false);
    return deserializer;
  }

  private static IncompatibleSchemaException refusal(SpecificAvroDeserializer<InventoryImage> deserializer,
      String topic, byte[] bytes) {
    return catchThrowableOfType(IncompatibleSchemaException.class, () -> deserializer.deserialize(topic, bytes));
  }

  @Test
  void anotherRecordTypeIsAPoisonPillForADeserializerOfAGivenClass() {
    IncompatibleSchemaException e = refusal(typed(), topic,
        classifiedItem());

    assertThat(e.isPoisonPill()).isTrue();
    assertThat(e.writerSchemaName()).isEqualTo(ClassifiedItem.getClassSchema().getFullName());
    assertThat(e.readerSchemaName()).isEqualTo(InventoryImage.getClassSchema().getFullName());
  }

  @Test
  void anotherRecordTypeIsAPoisonPillWithTheValueTypeConfigured() {
    Map<String, Object> typed = new HashMap<>(config);
    typed.put("specific.avro.value.type", InventoryImage.class.getName());

    IncompatibleSchemaException e = refusal(TestRecords.specificDeserializer(typed), topic, classifiedItem());

    assertThat(e.isPoisonPill()).isTrue();
    assertThat(e).hasMessageContaining("NAME_MISMATCH");
  }

  @Test
  void aPlainStringIsAPoisonPillForADeserializerOfAGivenClass() {
    IncompatibleSchemaException e = refusal(typed(), topic,
        plainString());

    assertThat(e.isPoisonPill()).isTrue();
    assertThat(e.writerSchemaName()).isEqualTo("string");
  }

  @Test
  void aPlainStringIsAPoisonPillEvenWithoutAGivenClass() {
    IncompatibleSchemaException e = refusal(TestRecords.specificDeserializer(config), topic, plainString());

    assertThat(e.isPoisonPill()).isTrue();
    assertThat(e).hasMessageContaining("not a generated Avro record");
  }
}
