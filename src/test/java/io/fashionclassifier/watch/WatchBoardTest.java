package io.fashionclassifier.watch;

import static io.fashionclassifier.learning.DecisionRecords.decision;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.schema.ReviewReason;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.LabelScore;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatchBoardTest {

  private static final String[] NAMES = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
  };
  private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

  private final WatchBoard board = new WatchBoard(2, label -> NAMES[label]);

  @Test
  void keepsOnlyTheNewestItems() {
    board.accept(item("a", FashionClass.BAG, FashionClass.BAG));
    board.accept(item("b", FashionClass.COAT, null));
    board.accept(item("c", FashionClass.SANDAL, FashionClass.SNEAKER));

    String text = board.render(NOW);

    assertThat(board.itemsRead()).isEqualTo(3);
    assertThat(text).contains("item-c").contains("item-b").doesNotContain("item-a");
  }

  @Test
  void marksMisclassifiedItems() {
    board.accept(item("c", FashionClass.SANDAL, FashionClass.SNEAKER));

    assertThat(board.render(NOW)).containsPattern("item-c +scanner-01 +Sandal +\\d+\\.\\d% Sneaker +x");
  }

  @Test
  void newerCumulativeFigureReplacesOlderOne() {
    board.accept(overall(10, 8, 6, null));
    board.accept(overall(20, 10, 9, null));

    assertThat(board.cumulative(AggregateScope.OVERALL, "all").getCorrect()).isEqualTo(9);
    assertThat(board.render(NOW)).contains("20 classified, 10 labelled, 9 correct, accuracy 90.00%");
  }

  @Test
  void windowedFiguresDoNotOverwriteCumulativeOnes() {
    board.accept(overall(20, 10, 9, null));
    board.accept(overall(5, 4, 1, NOW.minusSeconds(60)));

    assertThat(board.cumulative(AggregateScope.OVERALL, "all").getLabelled()).isEqualTo(10);
    assertThat(board.render(NOW)).contains("last window 11:59:00-12:00:00: 4 labelled, accuracy 25.00%");
  }

  @Test
  void showsPrecisionAndRecallPerClass() {
    board.accept(AccuracyAggregate.newBuilder()
        .setScope(AggregateScope.CLASS).setKey("ANKLE_BOOT")
        .setSeen(7).setLabelled(5).setCorrect(4).setPredictedLabelled(6)
        .setAccuracy(0.8).setPrecision(4 / 6.0).setRecall(0.8)
        .setUpdatedTime(NOW).build());

    assertThat(board.render(NOW)).containsPattern("Ankle boot +7 +5 +66\\.67% +80\\.00%");
  }

  @Test
  void showsTheActiveAndShadowVersionsSideBySide() {
    board.accept(item("a", FashionClass.BAG, FashionClass.BAG));
    board.accept(AccuracyAggregate.newBuilder()
        .setScope(AggregateScope.MODEL).setKey("abc123")
        .setSeen(1000).setLabelled(800).setCorrect(640).setPredictedLabelled(800).setAccuracy(0.8)
        .setModelVersion("abc123").setUpdatedTime(NOW).build());
    board.accept(AccuracyAggregate.newBuilder()
        .setScope(AggregateScope.MODEL).setKey("old999")
        .setSeen(50).setLabelled(50).setCorrect(35).setPredictedLabelled(50).setAccuracy(0.7)
        .setModelVersion("old999").setUpdatedTime(NOW).build());
    board.accept(AccuracyAggregate.newBuilder()
        .setScope(AggregateScope.SHADOW).setKey("def456/abc123")
        .setSeen(400).setLabelled(300).setCorrect(255).setPredictedLabelled(300).setAccuracy(0.85)
        .setAgreed(360).setAgreement(0.9).setBaselineCorrect(240).setBaselineAccuracy(0.8)
        .setModelVersion("def456").setBaselineVersion("abc123").setUpdatedTime(NOW).build());

    String text = board.render(NOW);

    assertThat(text)
        .containsPattern("active +abc123 +1,000 +800 +80\\.00%")
        .containsPattern("earlier +old999 +50 +50 +70\\.00%")
        .containsPattern("shadow +def456 +400 +300 +85\\.00% +90\\.00% +80\\.00%");
    assertThat(text.indexOf("active ")).isLessThan(text.indexOf("shadow "));
    assertThat(text.indexOf("shadow ")).isLessThan(text.indexOf("earlier "));
  }

  private static ClassifiedItem item(String id, FashionClass predicted, FashionClass truth) {
    return ClassifiedItem.newBuilder()
        .setItemId("item-" + id).setScannerId("scanner-01").setWarehouseId("warehouse-1")
        .setCaptureTime(NOW).setPredictedLabel(predicted).setConfidence(0.9f)
        .setTopK(List.of(new LabelScore(predicted, 0.9f)))
        .setModelVersion("abc123").setClassifiedTime(NOW)
        .setTrueLabel(truth).setCorrect(truth == null ? null : truth == predicted)
        .build();
  }

  private static AccuracyAggregate overall(long seen, long labelled, long correct, Instant windowStart) {
    return AccuracyAggregate.newBuilder()
        .setScope(AggregateScope.OVERALL).setKey("all")
        .setWindowStart(windowStart).setWindowEnd(windowStart == null ? null : windowStart.plusSeconds(60))
        .setSeen(seen).setLabelled(labelled).setCorrect(correct).setPredictedLabelled(labelled)
        .setAccuracy(labelled == 0 ? null : (double) correct / labelled)
        .setModelVersion("abc123").setUpdatedTime(NOW).build();
  }

  private static ModelHealth health(HealthKind kind, String scanner, Instant windowStart, double estimated,
      String signal) {
    return ModelHealth.newBuilder()
        .setKind(kind).setScope("SCANNER").setKey(scanner).setModelVersion("abc123")
        .setWindowStart(windowStart).setWindowEnd(windowStart.plusSeconds(60)).setCount(120)
        .setMeanConfidence(0.9).setMeanEntropy(0.3).setLowMarginShare(0.05).setClassMix(List.of())
        .setEstimatedAccuracy(estimated).setCalibrated(true).setMeanSkewMs(120_000).setLeftOut(0)
        .setOverThreshold(List.of()).setAlarms(List.of()).setSignal(signal).setUpdatedTime(NOW)
        .build();
  }

  @Test
  void showsEachScopesNewestHealthWindowAndTheAlarmsNotYetCleared() {
    board.accept(health(HealthKind.WINDOW, "scanner-02", NOW.minusSeconds(120), 0.91, null));
    board.accept(health(HealthKind.WINDOW, "scanner-02", NOW.minusSeconds(60), 0.55, null));
    board.accept(health(HealthKind.WINDOW, "scanner-02", NOW.minusSeconds(180), 0.99, null));
    board.accept(health(HealthKind.ALARM, "scanner-02", NOW.minusSeconds(60), 0.55, "CONFIDENCE"));
    board.accept(health(HealthKind.ALARM, "scanner-02", NOW.minusSeconds(60), 0.55, "SKEW"));
    board.accept(health(HealthKind.CLEAR, "scanner-02", NOW.minusSeconds(60), 0.55, "SKEW"));

    String text = board.render(NOW);

    assertThat(text).containsPattern("SCANNER:scanner-02 +120 +90\\.00% +55\\.00% +5\\.00% +120\\.0s +CONFIDENCE\n");
    assertThat(text).contains("ALARMS: SCANNER:scanner-02 CONFIDENCE\n");
  }

  @Test
  void showsAuditCoverageAndTheReviewQueuesDepth() {
    board.accept(AccuracyAggregate.newBuilder(overall(200, 0, 0, null))
        .setAudited(50).setAuditedCorrect(40).setAuditedAccuracy(0.8)
        .setSampledAudited(10).setSampledCorrect(9).setSampledAccuracy(0.9).build());
    for (String id : List.of("a", "b", "c")) {
      board.accept(ReviewRequest.newBuilder()
          .setItemId(id).setScannerId("scanner-01").setWarehouseId("warehouse-1").setCaptureTime(NOW)
          .setClassifiedTime(NOW).setModelVersion("abc123").setPredictedLabel(FashionClass.SHIRT)
          .setConfidence(0.4f).setMargin(0.1f).setTopK(List.of()).setReasons(List.of(ReviewReason.LOW_CONFIDENCE))
          .setWidth(28).setHeight(28).setPixels(java.nio.ByteBuffer.wrap(new byte[784])).build());
    }
    board.accept(ItemAudit.newBuilder().setItemId("b").setTrueLabel(FashionClass.COAT).setAuditor("ann")
        .setAuditTime(NOW).setSource(AuditSource.REVIEW_QUEUE).build());

    String text = board.render(NOW);

    assertThat(board.reviewQueueDepth()).isEqualTo(2);
    assertThat(text).contains("audited: 50 of 200 items (25.00%), accuracy 80.00%; random sample: 10, accuracy "
        + "90.00% (unbiased)");
    assertThat(text).contains("review queue: 2 waiting (3 requests, 1 audits read)");
  }

  @Test
  void showsTheNewestDecisionsFirstWithTheirFigures() {
    board.accept(decision(DecisionKind.CANDIDATE_BUILT, NOW.minusSeconds(7_200), "oldest", "00000000", "built"));
    for (int i = 1; i < WatchBoard.LATEST_DECISIONS; i++) {
      board.accept(decision(DecisionKind.SHADOWED, NOW.minusSeconds(3_600), "cand-" + i, "1111111" + i, "shadow"));
    }
    board.accept(decision(DecisionKind.PROMOTED, Instant.parse("2026-11-28T23:59:30Z"), "audits-1128",
        "5b6a7c8d", "better: 41 disagreements (active alone right on 6, candidate alone on 35), p = 4.87e-06"));

    String text = board.render(NOW);

    assertThat(text).contains("\n2026-11-28 23:59:30  PROMOTED         audits-1128 (5b6a7c8d): better: 41 "
        + "disagreements (active alone right on 6, candidate alone on 35), p = 4.87e-06\n");
    assertThat(text.indexOf("audits-1128")).isLessThan(text.indexOf("cand-1"));
    assertThat(text).as("only the newest " + WatchBoard.LATEST_DECISIONS).doesNotContain("oldest");
  }

  @Test
  void aDecisionsTextCannotSendControlCodesToTheTerminal() {
    board.accept(decision(DecisionKind.RETIRED, NOW, "evil\033[2J", "abc", "worse\nline\u0007"));

    assertThat(board.render(NOW)).contains("evil [2J (abc): worse line \n").doesNotContain("\033");
  }
}
