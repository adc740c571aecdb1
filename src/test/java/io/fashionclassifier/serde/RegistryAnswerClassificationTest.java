package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fashionclassifier.schema.InventoryImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which registry answers make a record a poison pill (dead letter) and which are an outage (retry in place, never
 * dead-letter), through the deserializer against a loopback server scripted with answers a real registry cannot be
 * made to give. Unknown ids and JSON schemas against the real Apicurio: {@link RegistryAnswersApicurioTest}.
 */
class RegistryAnswerClassificationTest {

  private static final String TOPIC = "inventory-images";
  private static final Duration GENEROUS = Duration.ofSeconds(30);

  private final ScriptedRegistry registry = new ScriptedRegistry(ScriptedRegistry.inventoryImageSchema());

  @AfterEach
  void stop() {
    registry.close();
  }

  private SpecificAvroDeserializer<InventoryImage> deserializer(Map<String, String> extra) {
    Map<String, String> props = new HashMap<>(Map.of("schema.registry.url", registry.url(),
        "retries.wait.ms", "10", "retries.max.wait.ms", "20"));
    props.putAll(extra);
    return TestRecords.specificDeserializer(props);
  }

  private AvroSerializationException failure(SpecificAvroDeserializer<InventoryImage> deserializer, int id) {
    return catchThrowableOfType(AvroSerializationException.class,
        () -> deserializer.deserialize(TOPIC, TestRecords.imagePayload(id)));
  }

  private AvroSerializationException failure(Map<String, String> extra) {
    return assertTimeoutPreemptively(GENEROUS, () -> failure(deserializer(extra), 7));
  }

  @Test
  void anUnknownIdIsAPoisonPill() {
    registry.answerWith(ScriptedRegistry.error(404, 40403, "Schema 7 not found"));

    AvroSerializationException e = failure(Map.of());

    assertThat(e).isInstanceOf(UnknownSchemaIdException.class);
    assertThat(e.isPoisonPill()).isTrue();
  }

  @Test
  void aJsonSchemaIsAPoisonPill() {
    registry.answerWith(ScriptedRegistry.schema("JSON", "{\"type\":\"object\"}"));

    AvroSerializationException e = failure(Map.of());

    assertThat(e).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("JSON");
    assertThat(e.isPoisonPill()).isTrue();
  }

  @Test
  void aProtobufSchemaIsAPoisonPill() {
    registry.answerWith(ScriptedRegistry.schema("PROTOBUF", "syntax = \"proto3\"; message M { string a = 1; }"));

    AvroSerializationException e = failure(Map.of());

    assertThat(e).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("PROTOBUF");
    assertThat(e.isPoisonPill()).isTrue();
  }

  @Test
  void aSchemaTheAvroParserRejectsIsAPoisonPill() {
    registry.answerWith(ScriptedRegistry.schema("AVRO",
        "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"no.such.Type\"}]}"));

    AvroSerializationException e = failure(Map.of());

    assertThat(e).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("no.such.Type");
    assertThat(e.isPoisonPill()).isTrue();
  }

  @Test
  void aForbiddenIdIsAPoisonPillAndNotRetried() {
    registry.answerWith(ScriptedRegistry.error(403, 40301, "User cannot access the resource"));

    AvroSerializationException e = failure(Map.of());

    assertThat(e).isInstanceOf(SchemaAccessDeniedException.class);
    assertThat(e.isPoisonPill()).isTrue();
    assertThat(registry.requests()).hasSize(1);
  }

  @Test
  void anAnswerLargerThanTheLimitIsAPoisonPillWithAClearError() {
    registry.answerWith(ScriptedRegistry.endlessBody());

    AvroSerializationException e = failure(Map.of());

    assertThat(e).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("larger than 8 MiB");
    assertThat(e.isPoisonPill()).isTrue();
  }

  @Test
  void wrongCredentialsAreAnOutage() {
    registry.answerWith(ScriptedRegistry.error(401, 40101, "Unauthorized"));

    AvroSerializationException e = failure(Map.of());

    assertThat(e).isInstanceOf(SchemaRegistryAccessException.class);
    assertThat(e.isPoisonPill()).isFalse();
  }

  @Test
  void a5xxIsRetriedAndThenAnOutage() {
    registry.answerWith(ScriptedRegistry.error(503, 50001, "store unavailable"));

    AvroSerializationException e = failure(Map.of("max.retries", "2"));

    assertThat(e.isPoisonPill()).isFalse();
    assertThat(registry.requests()).hasSize(3);
  }

  @Test
  void rateLimitingIsRetriedAndThenAnOutage() {
    registry.answerWith(ScriptedRegistry.error(429, 429, "Too many requests"));

    AvroSerializationException e = failure(Map.of("max.retries", "2"));

    assertThat(e.isPoisonPill()).isFalse();
    assertThat(registry.requests()).hasSize(3);
  }

  @Test
  void noAnswerIsAnOutage() {
    registry.answerWith(registry.hang());

    AvroSerializationException e = failure(Map.of("http.read.timeout.ms", "200", "http.total.timeout.ms", "1000"));

    assertThat(e.isPoisonPill()).isFalse();
  }

  @Test
  void aBodyThatStopsHalfWayIsAnOutage() {
    registry.answerWith(registry.hangInTheBody());

    AvroSerializationException e = failure(Map.of("http.read.timeout.ms", "200", "http.total.timeout.ms", "1000"));

    assertThat(e.isPoisonPill()).isFalse();
  }

  @Test
  void connectionRefusedIsAnOutage() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    AvroSerializationException e = failure(Map.of("schema.registry.url", "http://127.0.0.1:" + closedPort));

    assertThat(e.isPoisonPill()).isFalse();
  }

  @Test
  void a404ThatIsNotARegistryAnswerIsAnOutage() {
    registry.answerWith(ScriptedRegistry.json(404, "<html><body>Not Found</body></html>"));

    AvroSerializationException e = failure(Map.of());

    assertThat(e.isPoisonPill()).isFalse();
  }

  @Test
  void aSecondLookupOfAnUnknownIdMakesNoHttpCall() {
    registry.answerWith(ScriptedRegistry.error(404, 40403, "Schema 7 not found"));
    SpecificAvroDeserializer<InventoryImage> deserializer = deserializer(Map.of());

    AvroSerializationException first = failure(deserializer, 7);
    AvroSerializationException second = failure(deserializer, 7);

    assertThat(first).isInstanceOf(UnknownSchemaIdException.class);
    assertThat(second).isInstanceOf(UnknownSchemaIdException.class);
    assertThat(registry.requests()).hasSize(1);
  }

  @Test
  void anOutageIsNotRemembered() {
    registry.answerWith(ScriptedRegistry.error(503, 50001, "store unavailable"));
    SpecificAvroDeserializer<InventoryImage> deserializer = deserializer(Map.of("max.retries", "0"));
    failure(deserializer, 7);
    registry.answerWith(ScriptedRegistry.inventoryImageSchema());

    InventoryImage image = deserializer.deserialize(TOPIC, TestRecords.imagePayload(7));

    assertThat(image.getItemId()).isEqualTo("item-1");
  }

  @Test
  void anUnknownIdIsAskedAgainOnceItsTtlIsOver() {
    registry.answerWith(ScriptedRegistry.error(404, 40403, "Schema 7 not found"));
    SpecificAvroDeserializer<InventoryImage> deserializer = deserializer(Map.of("missing.id.cache.ttl.sec", "1"));
    failure(deserializer, 7);
    registry.answerWith(ScriptedRegistry.inventoryImageSchema());

    Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> deserializer.deserialize(TOPIC, TestRecords.imagePayload(7)) != null);

    assertThat(registry.requests()).hasSizeBetween(2, 3);
  }

  @Test
  void theMemoryOfUnknownIdsIsBounded() {
    registry.answerWith(ScriptedRegistry.error(404, 40403, "not found"));
    SpecificAvroDeserializer<InventoryImage> deserializer = deserializer(Map.of("missing.cache.size", "2"));

    for (int id : new int[] {1, 2, 3, 1}) {
      failure(deserializer, id);
    }

    assertThat(registry.requests()).hasSize(4);
  }
}
