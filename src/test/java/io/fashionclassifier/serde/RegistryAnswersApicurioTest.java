package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.schema.InventoryImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Registry answers about one record, from the real Apicurio: a schema id it does not know and an id that names a
 * JSON Schema are poison pills, so that record goes to the dead letters instead of stopping the application.
 */
@Tag("integration")
@ExtendWith(ApicurioRegistryExtension.class)
class RegistryAnswersApicurioTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private String url;
  private String topic;

  @BeforeEach
  void setUp(ApicurioRegistry registry) {
    url = registry.confluentUrl();
    topic = "images-" + UUID.randomUUID();
  }

  private AvroSerializationException failure(int id) {
    SpecificAvroDeserializer<InventoryImage> deserializer =
        TestRecords.specificDeserializer(Map.of("schema.registry.url", url));
    return catchThrowableOfType(AvroSerializationException.class,
        () -> deserializer.deserialize(topic, TestRecords.imagePayload(id)));
  }

  @Test
  void anIdTheRegistryDoesNotKnowIsAPoisonPill() {
    AvroSerializationException e = failure(Integer.MAX_VALUE - 1);

    assertThat(e).isInstanceOf(UnknownSchemaIdException.class);
    assertThat(e.isPoisonPill()).isTrue();
  }

  @Test
  void aNegativeIdIsAPoisonPill() {
    AvroSerializationException e = failure(-1);

    assertThat(e.isPoisonPill()).as(e.toString()).isTrue();
  }

  @Test
  void idZeroIsAPoisonPill() {
    AvroSerializationException e = failure(0);

    assertThat(e.isPoisonPill()).as(e.toString()).isTrue();
  }

  @Test
  void anIdNamingAJsonSchemaIsAPoisonPill() throws Exception {
    int id = register(topic + "-json-value", "JSON",
        "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\"}");

    AvroSerializationException e = failure(id);

    assertThat(e).isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("JSON");
    assertThat(e.isPoisonPill()).isTrue();
    assertThat(e.schemaId()).isEqualTo(id);
  }

  /** Registers a schema of any type through the Confluent-compatible API, as a foreign producer would. */
  private int register(String subject, String schemaType, String schema) throws IOException, InterruptedException {
    String body = JSON.writeValueAsString(Map.of("schemaType", schemaType, "schema", schema));
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).path("id").asInt();
  }
}
