package io.fashionclassifier.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.LabelScore;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The figures a downstream consumer can compute: latency to visibility, and the part of it before the model. */
class DemoStatsTest {

  private static final Instant CAPTURED = Instant.parse("2026-12-02T04:00:00Z");

  @Test
  void latencyIsSplitAtTheMomentTheItemsBatchWentToTheModel() {
    DemoStats stats = new DemoStats();

    stats.item(item(CAPTURED.plusMillis(30)), CAPTURED.plusMillis(80), 0);
    stats.item(item(CAPTURED.plusMillis(10)), CAPTURED.plusMillis(40), 1_000_000);

    assertThat(stats.latencyPercentile(100)).isEqualTo(80);
    assertThat(stats.latencyPercentile(50)).isEqualTo(40);
    assertThat(stats.batchedPercentile(100)).isEqualTo(30);
    assertThat(stats.batchedPercentile(50)).isEqualTo(10);
  }

  private static ClassifiedItem item(Instant classified) {
    return ClassifiedItem.newBuilder()
        .setItemId("item").setScannerId("scanner-01").setWarehouseId("warehouse-1")
        .setCaptureTime(CAPTURED).setPredictedLabel(FashionClass.BAG).setConfidence(0.9f)
        .setTopK(List.of(new LabelScore(FashionClass.BAG, 0.9f)))
        .setModelVersion("abc123").setClassifiedTime(classified)
        .setTrueLabel(FashionClass.BAG).setCorrect(true)
        .build();
  }
}
