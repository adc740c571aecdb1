package io.fashionclassifier.review;

import static io.fashionclassifier.learning.DecisionRecords.decision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.learning.DecisionLog;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.schema.DecisionKind;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The learning loop's decisions on the review page, from the real broker and the real Apicurio registry. */
@ExtendWith(ApicurioRegistryExtension.class)
class ReviewDecisionsTest {

  private final Map<String, Object> serde;

  ReviewDecisionsTest(ApicurioRegistry registry) {
    this.serde = Map.of("schema.registry.url", registry.confluentUrl());
  }

  @Test
  void decisionsWrittenAfterTheServerStartedOnATopicItDidNotFindAreServedNewestFirst() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (ReviewTopics topics = new ReviewTopics();
        ReviewApp app = ReviewApp.start(topics.settings(Duration.ofMinutes(2)), topics.clientConfig(), serde,
            ReviewerLogins.of(Map.of("alice", "a-secret")), FashionMnist.CLASS_NAMES)) {
      HttpRequest page = HttpRequest.newBuilder(app.uri()).header("Authorization", "Basic "
          + Base64.getEncoder().encodeToString("alice:a-secret".getBytes(StandardCharsets.UTF_8))).build();
      assertThat(http.send(page, HttpResponse.BodyHandlers.ofString()).body()).doesNotContain("Model decisions");

      try (DecisionLog log = new DecisionLog(topics.clientConfig(), serde, topics.decisions, Duration.ofSeconds(30))) {
        log.ensureTopic(true, Optional.empty());
        log.write(decision(DecisionKind.CANDIDATE_BUILT, Instant.now(), "audits-" + topics.run, "5b6a7c8d",
            "fine-tuned from base on 60 audited items"));
        log.write(decision(DecisionKind.PROMOTED, Instant.now(), "audits-" + topics.run, "5b6a7c8d",
            "better: 41 disagreements, McNemar exact p = 4.87e-06 < 0.05"));
      }

      String body = await().atMost(Duration.ofSeconds(30))
          .until(() -> http.send(page, HttpResponse.BodyHandlers.ofString()).body(),
              html -> html.contains("fine-tuned from base on 60 audited items") && html.contains("McNemar"));
      assertThat(body).contains("<td>PROMOTED</td><td>audits-" + topics.run + " <code>5b6a7c8d</code></td>"
          + "<td>better: 41 disagreements, McNemar exact p = 4.87e-06 &lt; 0.05</td>");
      assertThat(body.indexOf("PROMOTED")).as("newest first").isLessThan(body.indexOf("CANDIDATE_BUILT"));
    }
  }
}
