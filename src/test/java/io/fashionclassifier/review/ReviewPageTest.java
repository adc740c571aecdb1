package io.fashionclassifier.review;

import static io.fashionclassifier.learning.DecisionRecords.decision;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.schema.DecisionKind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The review page's HTML, without a server. */
class ReviewPageTest {

  private final ReviewPage page = new ReviewPage(FashionMnist.CLASS_NAMES);
  private final ReviewQueue.Figures figures = new ReviewQueue.Figures(0, 0, 0);

  @Test
  void showsTheDecisionsInTheOrderGivenWithTheirTextEscaped() {
    String html = page.review("alice", Optional.empty(), figures, 0, null, List.of(
        decision(DecisionKind.PROMOTED, Instant.parse("2026-12-07T16:15:00Z"), "audits-<1207>", "5b6a7c8d",
            "better: p = 4.87e-06 < 0.05 & 41 disagreements"),
        decision(DecisionKind.CANDIDATE_BUILT, Instant.parse("2026-12-07T09:00:00Z"), "audits-1207", "5b6a7c8d",
            "fine-tuned from \"base\" on 812 audits")));

    assertThat(html).contains("<section class=\"decisions\" id=\"decisions\"><h2>Model decisions</h2>")
        .contains("<tr><td>2026-12-07 16:15:00 UTC</td><td>PROMOTED</td><td>audits-&lt;1207&gt; <code>5b6a7c8d</code>"
            + "</td><td>better: p = 4.87e-06 &lt; 0.05 &amp; 41 disagreements</td></tr>")
        .contains("<td>fine-tuned from &quot;base&quot; on 812 audits</td>")
        .doesNotContain("<1207>");
    assertThat(html.indexOf("PROMOTED")).isLessThan(html.indexOf("CANDIDATE_BUILT"));
  }

  @Test
  void withoutDecisionsTheirSectionIsLeftOut() {
    assertThat(page.review("alice", Optional.empty(), figures, 0, null, List.of()))
        .doesNotContain("id=\"decisions\"").doesNotContain("Model decisions");
  }
}
