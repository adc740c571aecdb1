package io.fashionclassifier.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A stopped registry comes back on the same URL with the schemas, and ids, registered before its outage. */
@Tag("integration")
class ApicurioRegistryRestartTest {

  private static final String SCHEMA =
      "{\"schema\": \"{\\\"type\\\": \\\"record\\\", \\\"name\\\": \\\"Outage\\\", \\\"fields\\\": "
          + "[{\\\"name\\\": \\\"id\\\", \\\"type\\\": \\\"string\\\"}]}\"}";

  @Test
  void restartKeepsThePortAndTheRegisteredSchemas() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (ApicurioRegistry registry = ApicurioRegistry.start()) {
      HttpResponse<String> registered = http.send(HttpRequest.newBuilder(
              URI.create(registry.confluentUrl() + "/subjects/outage-value/versions"))
          .header("Content-Type", "application/vnd.schemaregistry.v1+json")
          .POST(HttpRequest.BodyPublishers.ofString(SCHEMA)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(registered.statusCode()).isEqualTo(200);
      String id = registered.body().replaceAll("\\D", "");
      String url = registry.confluentUrl();

      registry.stop();
      assertThat(registry.isAlive()).isFalse();
      registry.restart();

      assertThat(registry.confluentUrl()).isEqualTo(url);
      HttpResponse<String> schema = http.send(
          HttpRequest.newBuilder(URI.create(url + "/schemas/ids/" + id)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(schema.statusCode()).as("schema id %s after the restart", id).isEqualTo(200);
      assertThat(schema.body()).contains("Outage");
    }
  }
}
