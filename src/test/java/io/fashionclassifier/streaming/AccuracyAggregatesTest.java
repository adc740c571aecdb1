package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
  /** The classifier's clock: after every capture time of these tests. */
  private static final long NOW = START + Duration.ofHours(1).toMillis();

  @Test
  void mergedBatchPartialsEqualItemByItemCounting() {
    Random random = new Random(7);
    List<ClassifiedItem> items = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      items.add(item(i, random, START + i * 500L)); // about 4 minutes of items, so batches straddle windows
    }
    AccuracyAggregates aggregates = aggregates();

    Map<String, AccuracyAggregate> oneByOne = new HashMap<>();
    for (ClassifiedItem item : items) {
      for (String scope : aggregates.scopeKeys(item)) {
        oneByOne.put(scope, AccuracyAggregates.add(scope, item, oneByOne.getOrDefault(scope, AccuracyAggregates.empty())));
      }
    }
    Map<String, AccuracyAggregate> merged = new HashMap<>();
    for (int from = 0; from < items.size(); from += 64) {
      int to = Math.min(items.size(), from + 64);
      for (AccuracyAggregates.Partial partial :
          aggregates.partials(items.subList(from, to), NOW)) {
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
    for (int i = 0; i < 64; i++) {
      items.add(item(i, random, START + 50_000 + i * 250L)); // captured 10:00:50 to 10:01:05.75: two windows
    }

    List<AccuracyAggregates.Partial> partials = aggregates().partials(items, NOW);

    long distinct = partials.stream()
        .map(p -> p.scopeKey() + "@" + (p.timestamp() - Math.floorMod(p.timestamp(), MINUTE.toMillis())))
        .distinct().count();
    assertThat(distinct).as("one figure per scope and window").isEqualTo(partials.size());
    assertThat(partials.size()).as("far fewer records than 64 items x 4-5 scopes").isLessThan(64);
    long overallSeen = partials.stream().filter(p -> p.scopeKey().equals("OVERALL:all"))
        .mapToLong(p -> p.figure().getSeen()).sum();
    assertThat(overallSeen).isEqualTo(64);
    assertThat(partials.stream().filter(p -> p.scopeKey().equals("OVERALL:all")).map(p -> p.timestamp()))
        .as("each stamped with its window's latest capture time")
        .containsExactlyInAnyOrder(START + 50_000 + 39 * 250L, START + 50_000 + 63 * 250L);
  }

  @Test
  void aCaptureTimeTooFarAheadCountsAtTheClassifiersClockAndInAMetric() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AccuracyAggregates aggregates = new AccuracyAggregates(MINUTE, Duration.ofSeconds(60), registry);
    Random random = new Random(3);

    long slightlyAhead = aggregates.countedTime(item(1, random, NOW + 59_000), NOW);
    long farAhead = aggregates.countedTime(item(2, random, NOW + 50 * 60_000), NOW);

    assertThat(slightlyAhead).as("within the bound: believed").isEqualTo(NOW + 59_000);
    assertThat(farAhead).as("beyond it: the classifier's clock").isEqualTo(NOW);
    assertThat(registry.get("fashion.aggregates.future.skew").counter().count()).isEqualTo(1);
  }

  @Test
  void theShadowsComparisonsAndDisagreementsAreCountedForAlerts() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AccuracyAggregates aggregates = new AccuracyAggregates(MINUTE, Duration.ofSeconds(60), registry);
    Random random = new Random(5);
    List<ClassifiedItem> items = List.of(item(1, random, NOW), item(2, random, NOW), item(3, random, NOW));
    int otherLabel = (items.get(1).getPredictedLabel().ordinal() + 1) % 10;
    List<Prediction> shadow = List.of(
        new Prediction(FakeClassifier.probabilities(items.get(0).getPredictedLabel().ordinal())),
        new Prediction(FakeClassifier.probabilities(otherLabel)),
        new Prediction(FakeClassifier.probabilities(items.get(2).getPredictedLabel().ordinal())));

    aggregates.shadowPartials(items, shadow, "shadow-v", NOW);

    assertThat(registry.get("fashion.shadow.compared").tag("model_version", "shadow-v").counter().count())
        .isEqualTo(3);
    assertThat(registry.get("fashion.shadow.disagreed").tag("model_version", "shadow-v").counter().count())
        .isEqualTo(1);
  }

  @Test
  void keysOfIdsThatUseTheKeySyntaxAreEscapedAndReadBack() {
    String id = "50%(other)@1764410400000";
    String key = AccuracyAggregates.key(AggregateScope.SCANNER, id);

    assertThat(key).isEqualTo("SCANNER:50%25%28other%29%401764410400000");
    assertThat(AccuracyAggregates.key(AggregateScope.SCANNER, AccuracyAggregates.OVERFLOW_KEY))
        .as("a scanner named like the overflow bucket is not in it").isNotEqualTo("SCANNER:(other)");
    assertThat(AccuracyAggregates.unescape(key.substring("SCANNER:".length()))).isEqualTo(id);
  }

  private static AccuracyAggregates aggregates() {
    return new AccuracyAggregates(MINUTE, Duration.ofMinutes(1), new SimpleMeterRegistry());
  }

  private static ClassifiedItem item(int index, Random random, long captured) {
    int predicted = random.nextInt(10);
    int truth = random.nextInt(3) == 0 ? random.nextInt(10) : predicted;
    float[] probabilities = FakeClassifier.probabilities(predicted);
    probabilities[predicted] = 0.5f + random.nextFloat() / 2;
    FashionClass trueLabel = random.nextInt(5) == 0 ? null : FashionClass.values()[truth];
    InventoryImage image =
        TestImages.image("item-" + index, predicted, trueLabel, "scanner-" + random.nextInt(4), 28, 28);
    image.setCaptureTime(Instant.ofEpochMilli(captured));
    return BatchVerdicts.classifiedItem(image, new Prediction(probabilities), "v1", START + index);
  }
}
