package io.fashionclassifier.review;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two reviewers as two HTTP clients (basic auth) on one review server and the real broker: they are never shown the
 * same item, a reload shows the same item again, a double submit is written once, and an item one reviewer holds
 * cannot be decided by the other.
 */
class ReviewSharingTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private ReviewTopics topics;
  private ReviewApp app;

  @BeforeEach
  void start() throws Exception {
    topics = new ReviewTopics();
    app = ReviewApp.start(topics.settings(Duration.ofMinutes(2)), topics.clientConfig(), topics.serdeConfig(),
        ReviewerLogins.of(Map.of("alice", "a-secret", "bob", "b-secret")), FashionMnist.CLASS_NAMES);
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    if (topics != null) {
      topics.close();
    }
  }

  @Test
  void twoReviewersNeverHoldTheSameItemAndADoubleSubmitIsWrittenOnce() throws Exception {
    List<String> ids = topics.produceRequests(4);
    String alices = awaitNext("alice", "a-secret");
    String bobs = next("bob", "b-secret");
    assertThat(bobs).isNotNull().isNotEqualTo(alices);
    assertThat(next("alice", "a-secret")).as("a reload shows the same item").isEqualTo(alices);

    CompletableFuture<HttpResponse<String>> first = http.sendAsync(decide("alice", "a-secret", alices, 1),
        HttpResponse.BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> second = http.sendAsync(decide("alice", "a-secret", alices, 1),
        HttpResponse.BodyHandlers.ofString());
    assertThat(List.of(outcome(first.get()), outcome(second.get())))
        .containsExactlyInAnyOrder("PUBLISHED", "ALREADY_DECIDED");
    assertThat(outcome(http.send(decide("alice", "a-secret", alices, 4), HttpResponse.BodyHandlers.ofString())))
        .as("another label without an undo changes nothing").isEqualTo("ALREADY_DECIDED");

    assertThat(outcome(http.send(decide("bob", "b-secret", alices, 2), HttpResponse.BodyHandlers.ofString())))
        .as("an item decided by alice").isEqualTo("TAKEN");
    String alicesNext = next("alice", "a-secret");
    assertThat(alicesNext).isNotIn(alices, bobs);
    assertThat(outcome(http.send(decide("bob", "b-secret", alicesNext, 2), HttpResponse.BodyHandlers.ofString())))
        .as("an item alice holds").isEqualTo("TAKEN");
    assertThat(outcome(http.send(decide("bob", "b-secret", bobs, 7), HttpResponse.BodyHandlers.ofString())))
        .isEqualTo("PUBLISHED");
    assertThat(next("bob", "b-secret")).isNotIn(alices, bobs, alicesNext).isIn(ids);

    List<ConsumerRecord<String, ItemAudit>> audits = topics.readAudits(records -> records.size() >= 2);
    assertThat(audits).extracting(r -> r.key() + "=" + r.value().getTrueLabel() + " by " + r.value().getAuditor())
        .containsExactlyInAnyOrder(alices + "=" + FashionClass.TROUSER + " by alice",
            bobs + "=" + FashionClass.SNEAKER + " by bob");
  }

  @Test
  void changesNeedALoginAndThePagesHeader() throws Exception {
    topics.produceRequests(1);
    String item = awaitNext("alice", "a-secret");
    HttpRequest anonymous = HttpRequest.newBuilder(app.uri().resolve("/api/decide"))
        .header(ReviewServer.REQUEST_HEADER, "1")
        .POST(HttpRequest.BodyPublishers.ofString("itemId=" + item + "&label=1")).build();
    assertThat(http.send(anonymous, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    HttpRequest wrongPassword = HttpRequest.newBuilder(app.uri().resolve("/api/next"))
        .header("Authorization", basic("alice", "b-secret")).build();
    assertThat(http.send(wrongPassword, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    HttpRequest crossSite = HttpRequest.newBuilder(app.uri().resolve("/api/decide"))
        .header("Authorization", basic("alice", "a-secret"))
        .POST(HttpRequest.BodyPublishers.ofString("itemId=" + item + "&label=1")).build();
    assertThat(http.send(crossSite, HttpResponse.BodyHandlers.ofString()).statusCode())
        .as("a form from another site cannot send the header").isEqualTo(403);
    assertThat(outcome(http.send(decide("alice", "a-secret", item, 1), HttpResponse.BodyHandlers.ofString())))
        .isEqualTo("PUBLISHED");
  }

  private String awaitNext(String user, String password) {
    return org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> next(user, password), id -> id != null);
  }

  /** The item the reviewer is shown (a lease), or null when there is none. */
  private String next(String user, String password) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(app.uri().resolve("/api/next"))
        .header("Authorization", basic(user, password)).build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() == 204) {
      return null;
    }
    assertThat(answer.statusCode()).isEqualTo(200);
    return json.readTree(answer.body()).get("itemId").asText();
  }

  private HttpRequest decide(String user, String password, String itemId, int label) {
    return HttpRequest.newBuilder(app.uri().resolve("/api/decide"))
        .header("Authorization", basic(user, password))
        .header(ReviewServer.REQUEST_HEADER, "1")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("itemId=" + itemId + "&label=" + label)).build();
  }

  private String outcome(HttpResponse<String> answer) throws Exception {
    JsonNode body = json.readTree(answer.body());
    return body.get("outcome").asText();
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
