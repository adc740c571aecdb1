package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arithmetic of the accuracy figures (see schemas/AccuracyAggregate.avsc). Every classified item counts
 * towards {@code OVERALL:all}, its scanner, its warehouse, its predicted class and, when labelled differently, its
 * true class; the record key of a figure is {@code <scope>:<key>}.
 */
final class AccuracyAggregates {

  static final String OVERALL_KEY = "all";

  private AccuracyAggregates() {}

  /** The figures an item counts towards, as {@code <scope>:<key>} record keys. */
  static List<String> scopeKeys(ClassifiedItem item) {
    List<String> keys = new ArrayList<>(5);
    keys.add(key(AggregateScope.OVERALL, OVERALL_KEY));
    keys.add(key(AggregateScope.SCANNER, item.getScannerId()));
    keys.add(key(AggregateScope.WAREHOUSE, item.getWarehouseId()));
    keys.add(key(AggregateScope.CLASS, item.getPredictedLabel().name()));
    FashionClass trueLabel = item.getTrueLabel();
    if (trueLabel != null && trueLabel != item.getPredictedLabel()) {
      keys.add(key(AggregateScope.CLASS, trueLabel.name()));
    }
    return keys;
  }

  static String key(AggregateScope scope, String key) {
    return scope.name() + ":" + key;
  }

  /** An empty figure; {@link #add} fills in scope and key from the record key. */
  static AccuracyAggregate empty() {
    return AccuracyAggregate.newBuilder()
        .setScope(AggregateScope.OVERALL)
        .setKey("")
        .setSeen(0)
        .setLabelled(0)
        .setCorrect(0)
        .setPredictedLabelled(0)
        .setUpdatedTime(Instant.EPOCH)
        .build();
  }

  /**
   * One batch's share of the figures: for each scope key and tumbling window of {@code window}, the figure of the
   * batch's items in it, stamped with the latest record time among them (so it falls in the same window
   * downstream). Counting a batch as these few partial figures instead of one record per item and scope cuts
   * the aggregation's repartition traffic by about the batch size divided by the number of distinct scopes.
   */
  static List<Partial> partials(List<ClassifiedItem> items, List<Long> timestamps, Duration window) {
    long size = window.toMillis();
    Map<String, Partial> byScopeAndWindow = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      ClassifiedItem item = items.get(i);
      long timestamp = timestamps.get(i);
      long windowStart = timestamp - Math.floorMod(timestamp, size);
      for (String scopeKey : scopeKeys(item)) {
        String group = scopeKey + "@" + windowStart;
        Partial sum = byScopeAndWindow.get(group);
        AccuracyAggregate figure = add(scopeKey, item, sum == null ? empty() : sum.figure());
        byScopeAndWindow.put(group,
            new Partial(scopeKey, figure, sum == null ? timestamp : Math.max(sum.timestamp(), timestamp)));
      }
    }
    return List.copyOf(byScopeAndWindow.values());
  }

  /** A batch's figure for one scope key and window, and the record time to send it with. */
  record Partial(String scopeKey, AccuracyAggregate figure, long timestamp) {}

  /** The figure for {@code recordKey} after counting {@code item}; {@code current} is not modified. */
  static AccuracyAggregate add(String recordKey, ClassifiedItem item, AccuracyAggregate current) {
    AccuracyAggregate.Builder next = scoped(AccuracyAggregate.newBuilder(current), recordKey);
    AggregateScope scope = next.getScope();
    String key = next.getKey();

    boolean labelled = item.getTrueLabel() != null;
    boolean correct = labelled && item.getTrueLabel() == item.getPredictedLabel();
    // For a class, "seen" counts predictions of that class and "labelled" the items truly of that class.
    boolean predictedHere = scope != AggregateScope.CLASS || item.getPredictedLabel().name().equals(key);
    boolean labelledHere =
        labelled && (scope != AggregateScope.CLASS || item.getTrueLabel().name().equals(key));

    if (predictedHere) {
      long seen = current.getSeen() + 1;
      double mean = current.getMeanConfidence() == null ? 0 : current.getMeanConfidence();
      next.setSeen(seen).setMeanConfidence(mean + (item.getConfidence() - mean) / seen);
      if (labelled) {
        next.setPredictedLabelled(current.getPredictedLabelled() + 1);
      }
    }
    if (labelledHere) {
      next.setLabelled(current.getLabelled() + 1);
      if (correct) {
        next.setCorrect(current.getCorrect() + 1);
      }
    }
    return withRatios(next, scope)
        .setModelVersion(item.getModelVersion())
        .setUpdatedTime(item.getClassifiedTime())
        .build();
  }

  /** {@code current} with the counts of {@code partial} added; neither is modified. */
  static AccuracyAggregate merge(String recordKey, AccuracyAggregate partial, AccuracyAggregate current) {
    long seen = current.getSeen() + partial.getSeen();
    Double meanConfidence = seen == 0 ? null
        : (weighted(current) + weighted(partial)) / seen;
    AccuracyAggregate.Builder next = scoped(AccuracyAggregate.newBuilder(current), recordKey)
        .setSeen(seen)
        .setMeanConfidence(meanConfidence)
        .setLabelled(current.getLabelled() + partial.getLabelled())
        .setCorrect(current.getCorrect() + partial.getCorrect())
        .setPredictedLabelled(current.getPredictedLabelled() + partial.getPredictedLabelled());
    Instant updated = partial.getUpdatedTime().isAfter(current.getUpdatedTime())
        ? partial.getUpdatedTime() : current.getUpdatedTime();
    return withRatios(next, next.getScope())
        .setModelVersion(partial.getModelVersion())
        .setUpdatedTime(updated)
        .build();
  }

  /** Scope and key from a {@code <scope>:<key>} record key. */
  private static AccuracyAggregate.Builder scoped(AccuracyAggregate.Builder figure, String recordKey) {
    int colon = recordKey.indexOf(':');
    return figure.setScope(AggregateScope.valueOf(recordKey.substring(0, colon)))
        .setKey(recordKey.substring(colon + 1));
  }

  private static double weighted(AccuracyAggregate figure) {
    return figure.getMeanConfidence() == null ? 0 : figure.getMeanConfidence() * figure.getSeen();
  }

  private static AccuracyAggregate.Builder withRatios(AccuracyAggregate.Builder next, AggregateScope scope) {
    long labelledCount = next.getLabelled();
    long correctCount = next.getCorrect();
    next.setAccuracy(labelledCount == 0 ? null : (double) correctCount / labelledCount);
    if (scope == AggregateScope.CLASS) {
      long predictedLabelled = next.getPredictedLabelled();
      next.setRecall(next.getAccuracy());
      next.setPrecision(predictedLabelled == 0 ? null : (double) correctCount / predictedLabelled);
    }
    return next;
  }
}
