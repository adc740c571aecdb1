package io.fashionclassifier.streaming;

import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arithmetic of the accuracy figures (see schemas/AccuracyAggregate.avsc). Every classified item counts
 * towards {@code OVERALL:all}, its scanner, its warehouse, its model version ({@code MODEL:<version>}), its
 * predicted class and, when labelled differently, its true class; an item a shadow model classified too counts
 * towards {@code SHADOW:<shadow version>/<active version>} ({@link #shadowPartials}). The record key of a figure is {@code <scope>:<key>}, with {@code %}, {@code @}, {@code (} and
 * {@code )} of the key percent-encoded so that no id can look like a window key ({@code <scope>:<key>@<start>})
 * or the overflow bucket.
 *
 * <p>Windows are on each item's capture time, except that a capture time more than {@code maxFutureSkew} ahead
 * of the classifier's clock counts at the classifier's clock, so that one wrongly stamped record cannot move the
 * windows' stream time into the future and close every window before it. Scanner and warehouse ids are counted
 * here under their own keys; which of them keep their own key and which count under {@code <scope>:(other)} is
 * decided once for the whole application, downstream ({@link AdmittedIds}).
 */
final class AccuracyAggregates {

  static final String OVERALL_KEY = "all";
  /** The key (in record keys and in figures) of the items of ids beyond the per-scope bound. */
  static final String OVERFLOW_KEY = "(other)";

  private final long windowMillis;
  private final long maxFutureSkewMillis;
  private final Counter futureSkewed;
  private final MeterRegistry registry;

  /**
   * @param window size of the tumbling windows
   * @param maxFutureSkew how far ahead of the classifier's clock a capture time may be and still be believed
   * @param registry where the future-skew counter goes
   */
  AccuracyAggregates(Duration window, Duration maxFutureSkew, MeterRegistry registry) {
    if (window.toMillis() <= 0 || maxFutureSkew.isNegative()) {
      throw new IllegalArgumentException("window must be positive, max future skew not negative");
    }
    this.windowMillis = window.toMillis();
    this.maxFutureSkewMillis = maxFutureSkew.toMillis();
    futureSkewed = Counter.builder("fashion.aggregates.future.skew")
        .description("Items whose capture time was too far ahead of the classifier's clock; windowed at that clock")
        .register(registry);
    this.registry = registry;
  }

  /** The figures an item counts towards, as {@code <scope>:<key>} record keys. */
  static List<String> scopeKeys(ClassifiedItem item) {
    List<String> keys = new ArrayList<>(6);
    keys.add(key(AggregateScope.OVERALL, OVERALL_KEY));
    keys.add(key(AggregateScope.MODEL, item.getModelVersion()));
    keys.add(key(AggregateScope.SCANNER, item.getScannerId()));
    keys.add(key(AggregateScope.WAREHOUSE, item.getWarehouseId()));
    keys.add(key(AggregateScope.CLASS, item.getPredictedLabel().name()));
    FashionClass trueLabel = item.getTrueLabel();
    if (trueLabel != null && trueLabel != item.getPredictedLabel()) {
      keys.add(key(AggregateScope.CLASS, trueLabel.name()));
    }
    return keys;
  }

  /** {@code <scope>:<escaped key>}; the overflow bucket's key never comes out of this, since '(' is escaped. */
  static String key(AggregateScope scope, String key) {
    return scope.name() + ":" + escape(key);
  }

  /** {@code <scope>:<key>@<windowStart epoch millis>} of a record key from {@link #scopeKeys}. */
  static String windowedKey(String scopeKey, long windowStart) {
    return scopeKey + "@" + windowStart;
  }

  private static final String ESCAPED = "%@()";
  private static final HexFormat HEX = HexFormat.of().withUpperCase();

  static String escape(String id) {
    StringBuilder out = null;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (ESCAPED.indexOf(c) >= 0) {
        if (out == null) {
          out = new StringBuilder(id.length() + 8).append(id, 0, i);
        }
        out.append('%').append(HEX.toHexDigits((byte) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? id : out.toString();
  }

  static String unescape(String key) {
    if (key.indexOf('%') < 0) {
      return key;
    }
    StringBuilder out = new StringBuilder(key.length());
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '%' && i + 2 < key.length()) {
        out.append((char) HexFormat.fromHexDigits(key, i + 1, i + 3));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * The time an item counts at in the windows: its capture time, or {@code now} (the classifier's clock) when the
   * capture time is more than the max future skew ahead of it.
   */
  long countedTime(ClassifiedItem item, long now) {
    long counted = windowTime(item, now);
    if (counted != item.getCaptureTime().toEpochMilli()) {
      futureSkewed.increment();
    }
    return counted;
  }

  private long windowTime(ClassifiedItem item, long now) {
    return windowTime(item, now, maxFutureSkewMillis);
  }

  /**
   * The time {@code item} counts at in the windows when classified at {@code now}; with the verdict's classified
   * time for {@code now}, the same window its scan counted in, however much later an audit of it comes.
   */
  static long windowTime(ClassifiedItem item, long now, long maxFutureSkewMillis) {
    long captured = item.getCaptureTime().toEpochMilli();
    return captured - now > maxFutureSkewMillis ? now : captured;
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
   * One batch's share of the figures: for each scope key and tumbling window, the figure of the batch's items in
   * it, stamped with the latest {@link #countedTime} among them (so it falls in the same window downstream).
   * Counting a batch as these few partial figures instead of one record per item and scope cuts the
   * aggregation's repartition traffic by about the batch size divided by the number of distinct scopes.
   *
   * @param now the classifier's clock (epoch millis), the bound for capture times in the future
   */
  List<Partial> partials(List<ClassifiedItem> items, long now) {
    Map<String, Partial> byScopeAndWindow = new LinkedHashMap<>();
    for (ClassifiedItem item : items) {
      long timestamp = countedTime(item, now);
      long windowStart = timestamp - Math.floorMod(timestamp, windowMillis);
      for (String scopeKey : scopeKeys(item)) {
        String group = windowedKey(scopeKey, windowStart);
        Partial sum = byScopeAndWindow.get(group);
        AccuracyAggregate figure = add(scopeKey, item, sum == null ? empty() : sum.figure());
        byScopeAndWindow.put(group,
            new Partial(scopeKey, figure, sum == null ? timestamp : Math.max(sum.timestamp(), timestamp)));
      }
    }
    return List.copyOf(byScopeAndWindow.values());
  }

  /**
   * One batch's share of the shadow figures: {@code shadow.get(i)} is the shadow model's prediction for
   * {@code items.get(i)} (the active model's verdict). Keyed {@code SHADOW:<shadow version>/<active version>} per
   * window like {@link #partials}, so a comparison never mixes two active versions.
   */
  List<Partial> shadowPartials(List<ClassifiedItem> items, List<Prediction> shadow, String shadowVersion,
      long now) {
    Map<String, Partial> byKeyAndWindow = new LinkedHashMap<>();
    int disagreed = 0;
    for (int i = 0; i < items.size(); i++) {
      ClassifiedItem item = items.get(i);
      if (shadow.get(i).label() != item.getPredictedLabel().ordinal()) {
        disagreed++;
      }
      long timestamp = windowTime(item, now);
      long windowStart = timestamp - Math.floorMod(timestamp, windowMillis);
      String scopeKey = key(AggregateScope.SHADOW, shadowVersion + "/" + item.getModelVersion());
      String group = windowedKey(scopeKey, windowStart);
      Partial sum = byKeyAndWindow.get(group);
      AccuracyAggregate figure = addShadow(scopeKey, item, shadow.get(i), shadowVersion,
          sum == null ? empty() : sum.figure());
      byKeyAndWindow.put(group,
          new Partial(scopeKey, figure, sum == null ? timestamp : Math.max(sum.timestamp(), timestamp)));
    }
    // for alerts: the figures on the topic are per window and scope, a rate across pods needs counters
    shadowCounter("fashion.shadow.compared", "Images the shadow model classified beside the active one",
        shadowVersion).increment(items.size());
    shadowCounter("fashion.shadow.disagreed", "Images on which the shadow model's label differs from the active's",
        shadowVersion).increment(disagreed);
    return List.copyOf(byKeyAndWindow.values());
  }

  private Counter shadowCounter(String name, String description, String shadowVersion) {
    return Counter.builder(name).description(description).tag("model_version", shadowVersion).register(registry);
  }

  /** The shadow figure for {@code recordKey} after counting the shadow's {@code prediction} of {@code item}. */
  static AccuracyAggregate addShadow(String recordKey, ClassifiedItem item, Prediction prediction,
      String shadowVersion, AccuracyAggregate current) {
    AccuracyAggregate.Builder next = scoped(AccuracyAggregate.newBuilder(current), recordKey);
    FashionClass predicted = FashionClass.values()[prediction.label()];
    long seen = current.getSeen() + 1;
    double mean = current.getMeanConfidence() == null ? 0 : current.getMeanConfidence();
    next.setSeen(seen)
        .setMeanConfidence(mean + (prediction.confidence() - mean) / seen)
        .setAgreed(current.getAgreed() + (predicted == item.getPredictedLabel() ? 1 : 0));
    FashionClass trueLabel = item.getTrueLabel();
    if (trueLabel != null) {
      next.setLabelled(current.getLabelled() + 1)
          .setPredictedLabelled(current.getPredictedLabelled() + 1)
          .setCorrect(current.getCorrect() + (predicted == trueLabel ? 1 : 0))
          .setBaselineCorrect(current.getBaselineCorrect() + (item.getPredictedLabel() == trueLabel ? 1 : 0));
    }
    return withRatios(next, AggregateScope.SHADOW)
        .setModelVersion(shadowVersion)
        .setBaselineVersion(item.getModelVersion())
        .setUpdatedTime(item.getClassifiedTime())
        .build();
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
        .setPredictedLabelled(current.getPredictedLabelled() + partial.getPredictedLabelled())
        .setAgreed(current.getAgreed() + partial.getAgreed())
        .setBaselineCorrect(current.getBaselineCorrect() + partial.getBaselineCorrect())
        .setAudited(current.getAudited() + partial.getAudited())
        .setAuditedCorrect(current.getAuditedCorrect() + partial.getAuditedCorrect())
        .setAuditedPredicted(current.getAuditedPredicted() + partial.getAuditedPredicted())
        .setSampledAudited(current.getSampledAudited() + partial.getSampledAudited())
        .setSampledCorrect(current.getSampledCorrect() + partial.getSampledCorrect());
    if (partial.getBaselineVersion() != null) {
      next.setBaselineVersion(partial.getBaselineVersion());
    }
    Instant updated = partial.getUpdatedTime().isAfter(current.getUpdatedTime())
        ? partial.getUpdatedTime() : current.getUpdatedTime();
    // an audit may be of an item an older version classified: the version of the latest prediction stays
    boolean olderPrediction = AuditFigures.isAudit(partial) && current.getModelVersion() != null;
    return withRatios(next, next.getScope())
        .setModelVersion(olderPrediction ? current.getModelVersion() : partial.getModelVersion())
        .setUpdatedTime(updated)
        .build();
  }

  /** Scope and key from a {@code <scope>:<key>} record key. */
  static AccuracyAggregate.Builder scoped(AccuracyAggregate.Builder figure, String recordKey) {
    int colon = recordKey.indexOf(':');
    return figure.setScope(AggregateScope.valueOf(recordKey.substring(0, colon)))
        .setKey(unescape(recordKey.substring(colon + 1)));
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
    long audited = next.getAudited();
    next.setAuditedAccuracy(audited == 0 ? null : (double) next.getAuditedCorrect() / audited);
    long sampled = next.getSampledAudited();
    next.setSampledAccuracy(sampled == 0 ? null : (double) next.getSampledCorrect() / sampled);
    if (scope == AggregateScope.CLASS) {
      long auditedPredicted = next.getAuditedPredicted();
      next.setAuditedPrecision(auditedPredicted == 0 ? null : (double) next.getAuditedCorrect() / auditedPredicted);
    }
    if (scope == AggregateScope.SHADOW) {
      long seen = next.getSeen();
      next.setAgreement(seen == 0 ? null : (double) next.getAgreed() / seen);
      next.setBaselineAccuracy(labelledCount == 0 ? null : (double) next.getBaselineCorrect() / labelledCount);
    }
    return next;
  }
}
