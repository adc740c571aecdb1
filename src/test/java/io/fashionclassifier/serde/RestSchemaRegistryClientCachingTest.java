package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.schema.InventoryImage;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The caching layer on its own: what it asks the transport below it (a real {@link RegistryTransport} whose calls
 * are counted) against the real Apicurio, and against a scripted server for answers Apicurio cannot be made to give.
 * No retries, so each count is the layer's own.
 */
@Tag("integration")
@ExtendWith(ApicurioRegistryExtension.class)
class RestSchemaRegistryClientCachingTest {

  private static final Duration TTL = Duration.ofSeconds(60);
  private static final Schema IMAGE = InventoryImage.getClassSchema();

  private final AtomicLong now = new AtomicLong();
  private String apicurio;
  private String subject;

  @BeforeEach
  void setUp(ApicurioRegistry registry) {
    apicurio = registry.confluentUrl();
    subject = "images-" + UUID.randomUUID() + "-value";
  }

  private record Layered(RestSchemaRegistryClient client, CountingRegistryApi api) {}

  private Layered client(String url) {
    AvroSerdeConfig config = new AvroSerdeConfig(Map.of("schema.registry.url", url, "max.retries", "0"));
    CountingRegistryApi api = new CountingRegistryApi(new RegistryTransport(config));
    return new Layered(new RestSchemaRegistryClient(api, RetryExecutor.of(config),
        new MissingSchemaIds(TTL.toNanos(), 2, now::get)), api);
  }

  @Test
  void aRegisteredSchemaIsKnownByIdAndBySubjectWithoutAsking() {
    Layered layered = client(apicurio);

    int id = layered.client().register(subject, IMAGE);

    assertThat(layered.client().register(subject, IMAGE)).isEqualTo(id);
    assertThat(layered.client().getId(subject, IMAGE)).isEqualTo(id);
    assertThat(layered.client().getSchemaById(id)).isEqualTo(IMAGE);
    assertThat(layered.api().calls()).containsExactly("register " + subject);
  }

  @Test
  void aSchemaByIdIsAskedOnce() {
    int id = client(apicurio).client().register(subject, IMAGE);
    Layered reader = client(apicurio);

    assertThat(reader.client().getSchemaById(id)).isEqualTo(IMAGE);
    assertThat(reader.client().getSchemaById(id)).isEqualTo(IMAGE);
    assertThat(reader.api().calls()).containsExactly("schemaById " + id);
  }

  @Test
  void anIdBySubjectAndSchemaIsAskedOnce() {
    int id = client(apicurio).client().register(subject, IMAGE);
    Layered lookup = client(apicurio);

    assertThat(lookup.client().getId(subject, IMAGE)).isEqualTo(id);
    assertThat(lookup.client().getId(subject, IMAGE)).isEqualTo(id);
    assertThat(lookup.api().calls()).containsExactly("lookUp " + subject);
  }

  @Test
  void theLatestVersionIsAskedEveryTimeForItChangesButItsSchemaIsKeptById() {
    int id = client(apicurio).client().register(subject, IMAGE);
    Layered layered = client(apicurio);

    layered.client().getLatestSchemaMetadata(subject);
    SchemaMetadata latest = layered.client().getLatestSchemaMetadata(subject);
    layered.client().getSchemaById(id);

    assertThat(latest).isEqualTo(new SchemaMetadata(id, subject, 1, IMAGE));
    assertThat(layered.api().calls()).containsExactly("latestVersion " + subject, "latestVersion " + subject);
  }

  @Test
  void anUnknownIdIsRememberedUntilItsTimeToLiveEnds() {
    Layered layered = client(apicurio);
    int unknown = Integer.MAX_VALUE - 7;

    SchemaRegistryException first = unknownId(layered, unknown);
    now.addAndGet(TTL.toNanos() - 1);
    SchemaRegistryException remembered = unknownId(layered, unknown);
    now.addAndGet(1);
    unknownId(layered, unknown);

    assertThat(first.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    assertThat(remembered.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    assertThat(remembered).hasMessageStartingWith("(remembered)");
    assertThat(layered.api().calls()).containsExactly("schemaById " + unknown, "schemaById " + unknown);
  }

  @Test
  void anOutageIsNotRemembered() {
    Layered layered = client(ScriptedRegistry.closedUrl());

    SchemaRegistryException first = unknownId(layered, 7);
    unknownId(layered, 7);

    assertThat(first.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE);
    assertThat(layered.api().calls()).containsExactly("schemaById 7", "schemaById 7");
  }

  @Test
  void aForbiddenIdAndAnIdOfAnotherFormatAreRemembered() {
    try (ScriptedRegistry registry = new ScriptedRegistry(ScriptedRegistry.error(403, 40301, "forbidden"))) {
      Layered layered = client(registry.url());
      unknownId(layered, 1);
      registry.answerWith(ScriptedRegistry.schema("PROTOBUF", "syntax = \"proto3\";"));
      SchemaRegistryException protobuf = unknownId(layered, 2);

      SchemaRegistryException forbidden = unknownId(layered, 1);
      unknownId(layered, 2);

      assertThat(forbidden.status()).isEqualTo(403);
      assertThat(protobuf.errorCode()).isEqualTo(SchemaRegistryException.UNUSABLE_SCHEMA);
      assertThat(layered.api().calls()).containsExactly("schemaById 1", "schemaById 2");
    }
  }

  @Test
  void compatibilityWithASubjectThatDoesNotExistYetIsTrue() {
    Layered layered = client(apicurio);

    assertThat(layered.client().testCompatibility(subject, IMAGE)).isTrue();
    assertThat(layered.api().calls()).containsExactly("testCompatibility " + subject);
  }

  @Test
  void anAnswerWithoutWhatWasAskedForIsRefusedAndNotCached() {
    try (ScriptedRegistry registry = new ScriptedRegistry(ScriptedRegistry.json(200, "{\"version\":1}"))) {
      Layered layered = client(registry.url());

      SchemaRegistryException noId = catchThrowableOfType(SchemaRegistryException.class,
          () -> layered.client().register(subject, IMAGE));
      catchThrowableOfType(SchemaRegistryException.class, () -> layered.client().register(subject, IMAGE));
      SchemaRegistryException noLevel = catchThrowableOfType(SchemaRegistryException.class,
          () -> layered.client().compatibilityLevel(subject));
      boolean compatible = layered.client().testCompatibility(subject, IMAGE);

      assertThat(noId.errorCode()).isEqualTo(SchemaRegistryException.INVALID_SCHEMA);
      assertThat(noId).hasMessageContaining("no schema id");
      assertThat(noLevel.errorCode()).isEqualTo(SchemaRegistryException.UNUSABLE_SCHEMA);
      assertThat(compatible).as("no is_compatible is no yes").isFalse();
      assertThat(layered.api().calls()).containsExactly("register " + subject, "register " + subject,
          "config " + subject, "testCompatibility " + subject);
    }
  }

  private static SchemaRegistryException unknownId(Layered layered, int id) {
    return catchThrowableOfType(SchemaRegistryException.class, () -> layered.client().getSchemaById(id));
  }
}
