package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ReviewReason;
import io.fashionclassifier.schema.ReviewRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The per-scanner budget's store and its punctuator, on a {@link MockProcessorContext}. */
class ReviewBudgetTest {

  private static final Instant HOUR = Instant.parse("2026-11-29T10:00:00Z");

  private final MockProcessorContext<String, ReviewRequest> context = new MockProcessorContext<>(properties());
  private final KeyValueStore<String, ReviewBudget.HourCount> store = Stores.keyValueStoreBuilder(
          Stores.inMemoryKeyValueStore(QualityTopology.BUDGET_STORE), Serdes.String(),
          new ReviewBudget.HourCount.StoreSerde())
      .withLoggingDisabled()
      .build();
  private final ReviewBudget budget = new ReviewBudget(QualityTopology.BUDGET_STORE, 2, new SimpleMeterRegistry());

  ReviewBudgetTest() {
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    budget.init(context);
  }

  @Test
  void aScannerLeavesTheStoreTwoHoursAfterTheStartOfItsLastHour() {
    budget.process(new Record<>("scanner-1", request("a", "scanner-1", HOUR.plusSeconds(5)), 0L));
    budget.process(new Record<>("scanner-2", request("b", "scanner-2", HOUR.plusSeconds(3600 + 5)), 0L));
    assertThat(context.scheduledPunctuators()).hasSize(1);
    assertThat(context.scheduledPunctuators().get(0).getInterval()).isEqualTo(Duration.ofMinutes(10));

    punctuate(HOUR.plus(Duration.ofHours(2)).minusMillis(1));
    assertThat(store.get("scanner-1")).isEqualTo(new ReviewBudget.HourCount(HOUR.toEpochMilli(), 1));

    punctuate(HOUR.plus(Duration.ofHours(2)));
    assertThat(store.get("scanner-1")).as("forgotten").isNull();
    assertThat(store.get("scanner-2")).as("its hour started later").isNotNull();
  }

  @Test
  void aForgottenScannerStartsItsNextHourWithTheWholeBudget() {
    for (String item : List.of("a", "b", "c")) {
      budget.process(new Record<>("scanner-1", request(item, "scanner-1", HOUR.plusSeconds(5)), 0L));
    }
    assertThat(context.forwarded()).hasSize(2);
    punctuate(HOUR.plus(Duration.ofHours(3)));
    context.resetForwards();

    for (String item : List.of("d", "e", "f")) {
      budget.process(new Record<>("scanner-1", request(item, "scanner-1", HOUR.plus(Duration.ofHours(3))), 0L));
    }

    List<String> sent = context.forwarded().stream().map(forwarded -> (String) forwarded.record().key()).toList();
    assertThat(sent).containsExactly("d", "e");
  }

  private void punctuate(Instant now) {
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(now.toEpochMilli());
  }

  private static ReviewRequest request(String item, String scanner, Instant classified) {
    return ReviewRequest.newBuilder()
        .setItemId(item)
        .setScannerId(scanner)
        .setWarehouseId("warehouse-1")
        .setCaptureTime(classified)
        .setClassifiedTime(classified)
        .setModelVersion("v1")
        .setPredictedLabel(FashionClass.BAG)
        .setConfidence(0.4f)
        .setMargin(0.2f)
        .setTopK(List.of(new LabelScore(FashionClass.BAG, 0.4f)))
        .setReasons(List.of(ReviewReason.LOW_CONFIDENCE))
        .setWidth(28)
        .setHeight(28)
        .setPixels(ByteBuffer.wrap(new byte[784]))
        .build();
  }

  private static Properties properties() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "budget-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    return props;
  }
}
