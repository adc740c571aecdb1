package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.RegistryEntities.SchemaRequest;
import io.fashionclassifier.serde.RegistryEntities.SubjectVersion;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The transport's typed calls against the real Apicurio 3, through its Confluent-compatible API. */
@Tag("integration")
@ExtendWith(ApicurioRegistryExtension.class)
class RegistryTransportApicurioTest {

  private static final SchemaRequest IMAGE = new SchemaRequest(InventoryImage.getClassSchema().toString());

  private RegistryTransport transport;
  private String subject;

  @BeforeEach
  void setUp(ApicurioRegistry registry) {
    transport = new RegistryTransport(new AvroSerdeConfig(Map.of("schema.registry.url", registry.confluentUrl())));
    subject = "images-" + UUID.randomUUID() + "-value";
  }

  private static long deadline() {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
  }

  @Test
  void everyTypedCallReadsApicuriosAnswer() {
    Integer id = transport.register(subject, IMAGE, deadline()).id();

    SubjectVersion found = transport.lookUp(subject, IMAGE, deadline());
    SubjectVersion latest = transport.latestVersion(subject, deadline());
    RegistryEntities.SchemaString byId = transport.schemaById(id, deadline());

    assertThat(id).isNotNull();
    assertThat(found.id()).isEqualTo(id);
    assertThat(found.subject()).isEqualTo(subject);
    assertThat(found.version()).isEqualTo(1);
    assertThat(latest.id()).isEqualTo(id);
    assertThat(latest.version()).isEqualTo(1);
    assertThat(new Schema.Parser().parse(latest.schema())).isEqualTo(InventoryImage.getClassSchema());
    assertThat(new Schema.Parser().parse(byId.schema())).isEqualTo(InventoryImage.getClassSchema());
    assertThat(byId.schemaType()).isIn(null, "AVRO");
    assertThat(transport.testCompatibility(subject, IMAGE, deadline()).isCompatible()).isTrue();
    assertThat(transport.testCompatibility(subject,
        new SchemaRequest(TestRecords.schema("InventoryImage-incompatible").toString()), deadline()).isCompatible())
        .isFalse();
    assertThat(transport.config(subject, deadline()).level()).isNotBlank();
  }

  @Test
  void apicuriosRefusalsCarryConfluentsErrorCodes() {
    transport.register(subject, IMAGE, deadline());
    SchemaRequest incompatible = new SchemaRequest(TestRecords.schema("InventoryImage-incompatible").toString());

    SchemaRegistryException refused = catchThrowableOfType(SchemaRegistryException.class,
        () -> transport.register(subject, incompatible, deadline()));
    SchemaRegistryException noSubject = catchThrowableOfType(SchemaRegistryException.class,
        () -> transport.latestVersion(subject + "-absent", deadline()));
    SchemaRegistryException noId = catchThrowableOfType(SchemaRegistryException.class,
        () -> transport.schemaById(Integer.MAX_VALUE, deadline()));
    SchemaRegistryException invalid = catchThrowableOfType(SchemaRegistryException.class,
        () -> transport.register(subject + "-other", new SchemaRequest("{\"type\":\"nonsense\"}"), deadline()));

    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
    assertThat(noSubject.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
    assertThat(noId.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    assertThat(invalid.isRetriable()).as(invalid.getMessage()).isFalse();
    assertThat(invalid.status()).as(invalid.getMessage()).isBetween(400, 499);
  }
}
