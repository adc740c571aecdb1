package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.serde.AvroSerdeConfig;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SchemaRegistryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class InputSubjectCheckTest {

  @Test
  void backwardCompatibilityOnTheInputSubjectIsWarnedAbout() {
    SchemaRegistryClient mock = MockSchemaRegistry.getClientForScope("subject-check-" + UUID.randomUUID());
    assertThat(InputSubjectCheck.warning(mock, "inventory-images-value"))
        .hasValueSatisfying(warning -> assertThat(warning)
            .contains("compatibility BACKWARD").contains("FULL_TRANSITIVE"));
  }

  @Test
  void fullTransitiveCompatibilityIsReadFromARealRegistryAndAccepted() throws Exception {
    String subject = "images-" + UUID.randomUUID() + "-value";
    String url = ApicurioRegistry.shared().confluentUrl();
    HttpResponse<String> set = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url + "/config/" + subject))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\": \"FULL_TRANSITIVE\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);

    try (SchemaRegistryClient registry =
        SchemaRegistryClient.create(new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url)))) {
      assertThat(registry.compatibilityLevel(subject)).isEqualTo("FULL_TRANSITIVE");
      assertThat(InputSubjectCheck.warning(registry, subject)).isEmpty();
    }
  }
}
