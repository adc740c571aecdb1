package io.fashionclassifier.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
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
}
