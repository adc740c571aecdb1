package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Counting a batch as partial figures and merging them gives the figures of counting item by item. */
class AccuracyAggregatesTest {

  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final long START = Instant.parse("2026-11-29T10:00:00Z").toEpochMilli();

  @Test
  void mergedBatchPartialsEqualItemByItemCounting() {
    Random random = new Random(7);
    List<ClassifiedItem> items = new ArrayList<>();
    List<Long> timestamps = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      items.add(item(i, random));
      timestamps.add(START + i * 500L); // about 4 minutes of items, so batches straddle windows
    }

    Map<String, AccuracyAggregate> oneByOne = new HashMap<>();
    for (ClassifiedItem item : items) {
      for (String scope : AccuracyAggregates.scopeKeys(item)) {
        oneByOne.put(scope, AccuracyAggregates.add(scope, item, oneByOne.getOrDefault(scope, AccuracyAggregates.empty())));
      }
    }
    Map<String, AccuracyAggregate> merged = new HashMap<>();
    for (int from = 0; from < items.size(); from += 64) {
      int to = Math.min(items.size(), from + 64);
      for (AccuracyAggregates.Partial partial :
          AccuracyAggregates.partials(items.subList(from, to), timestamps.subList(from, to), MINUTE)) {
        merged.put(partial.scopeKey(), AccuracyAggregates.merge(partial.scopeKey(), partial.figure(),
            merged.getOrDefault(partial.scopeKey(), AccuracyAggregates.empty())));
      }
    }

    assertThat(merged.keySet()).isEqualTo(oneByOne.keySet());
    oneByOne.forEach((scope, expected) -> {
      AccuracyAggregate actual = merged.get(scope);
      assertThat(actual.getScope()).isEqualTo(expected.getScope());
      assertThat(actual.getKey()).isEqualTo(expected.getKey());
      assertThat(actual.getSeen()).as(scope).isEqualTo(expected.getSeen());
      assertThat(actual.getLabelled()).as(scope).isEqualTo(expected.getLabelled());
      assertThat(actual.getCorrect()).as(scope).isEqualTo(expected.getCorrect());
      assertThat(actual.getPredictedLabelled()).as(scope).isEqualTo(expected.getPredictedLabelled());
      assertThat(actual.getAccuracy()).as(scope).isEqualTo(expected.getAccuracy());
      assertThat(actual.getPrecision()).as(scope).isEqualTo(expected.getPrecision());
      assertThat(actual.getRecall()).as(scope).isEqualTo(expected.getRecall());
      assertThat(actual.getMeanConfidence()).as(scope).isCloseTo(expected.getMeanConfidence(), within(1e-9));
      assertThat(actual.getUpdatedTime()).as(scope).isEqualTo(expected.getUpdatedTime());
    });
  }

  @Test
  void aBatchBecomesOneFigurePerScopeAndWindowStampedWithinItsWindow() {
    Random random = new Random(11);
    List<ClassifiedItem> items = new ArrayList<>();
    List<Long> timestamps = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      items.add(item(i, random));
      timestamps.add(START + 50_000 + i * 250L); // 10:00:50 to 10:01:05.75: two windows
    }

    List<AccuracyAggregates.Partial> partials = AccuracyAggregates.partials(items, timestamps, MINUTE);

    long distinct = partials.stream()
        .map(p -> p.scopeKey() + "@" + (p.timestamp() - Math.floorMod(p.timestamp(), MINUTE.toMillis())))
        .distinct().count();
    assertThat(distinct).as("one figure per scope and window").isEqualTo(partials.size());
    assertThat(partials.size()).as("far fewer records than 64 items x 4-5 scopes").isLessThan(64);
    long overallSeen = partials.stream().filter(p -> p.scopeKey().equals("OVERALL:all"))
        .mapToLong(p -> p.figure().getSeen()).sum();
    assertThat(overallSeen).isEqualTo(64);
    assertThat(partials.stream().filter(p -> p.scopeKey().equals("OVERALL:all")).map(p -> p.timestamp()))
        .as("each stamped with its window's latest record time")
        .containsExactlyInAnyOrder(START + 50_000 + 39 * 250L, START + 50_000 + 63 * 250L);
  }

  private static ClassifiedItem item(int index, Random random) {
    int predicted = random.nextInt(10);
    int truth = random.nextInt(3) == 0 ? random.nextInt(10) : predicted;
    float[] probabilities = FakeClassifier.probabilities(predicted);
    probabilities[predicted] = 0.5f + random.nextFloat() / 2;
    FashionClass trueLabel = random.nextInt(5) == 0 ? null : FashionClass.values()[truth];
    return MicroBatcher.classifiedItem(
        TestImages.image("item-" + index, predicted, trueLabel, "scanner-" + random.nextInt(4), 28, 28),
        new Prediction(probabilities), "v1", START + index);
  }
}
