package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fashionclassifier.local.ApicurioRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Makes a subject of the shared registry refuse the classifier's schemas, as an operator's mistake or another
 * team's producer would: it holds a record of another shape under BACKWARD compatibility, which the real schema
 * (required fields the other lacks) cannot follow; and makes it accept them again (compatibility NONE).
 */
final class RefusingSubjects {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String INCOMPATIBLE = "{\"type\":\"record\",\"name\":\"ClassifiedItem\","
      + "\"namespace\":\"io.fashionclassifier.schema\",\"fields\":[{\"name\":\"legacy\",\"type\":\"int\"}]}";

  private RefusingSubjects() {}

  static void refuse(String subject) throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(URI.create(ApicurioRegistry.shared().confluentUrl() + "/subjects/" + subject
            + "/versions"))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"schema\": " + JsonMapper.builder().build().writeValueAsString(INCOMPATIBLE) + "}")));
    setCompatibility(subject, "BACKWARD");
  }

  static void accept(String subject) throws IOException, InterruptedException {
    setCompatibility(subject, "NONE");
  }

  private static void setCompatibility(String subject, String level) throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(URI.create(ApicurioRegistry.shared().confluentUrl() + "/config/" + subject))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\": \"" + level + "\"}")));
  }

  private static void send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> answer = HTTP.send(
        request.header("Content-Type", "application/vnd.schemaregistry.v1+json").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }
}
