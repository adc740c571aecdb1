package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arithmetic of the audited figures: what an audit changes in the {@code audited*} and {@code sampled*}
 * counts of accuracy-aggregates. An audited item counts towards the same scope keys as a scan label would
 * ({@link AccuracyAggregates#scopeKeys}) and in the window its scan counted in, so that an audit that comes days
 * later still lands in the figure of its item's capture time. A change of what counts (a later audit replacing
 * an earlier one, a new verdict for an audited item) is one partial figure per scope key and window holding the
 * difference: the old contribution subtracted, the new one added, nothing when they are equal.
 */
final class AuditFigures {

  private AuditFigures() {}

  /** Whether a partial figure carries audited counts (scan partials never do, audit partials never carry others). */
  static boolean isAudit(AccuracyAggregate partial) {
    return partial.getAudited() != 0 || partial.getAuditedCorrect() != 0 || partial.getAuditedPredicted() != 0
        || partial.getSampledAudited() != 0 || partial.getSampledCorrect() != 0;
  }

  /** What counts for an item: its verdict, its audited label and whether the random sample drew it. */
  record Counted(ClassifiedItem verdict, FashionClass truth, boolean sampled) {}

  /**
   * The partial figures that turn the counts of {@code before} into those of {@code after}.
   *
   * @param before what counted so far, or null for nothing
   * @param after what counts from now on
   * @param maxFutureSkewMillis the aggregates' future-skew bound, which placed the scan in its window
   * @param now the classifier's clock, the figures' update time
   */
  static List<AccuracyAggregates.Partial> change(Counted before, Counted after, long maxFutureSkewMillis,
      long windowMillis, long now) {
    Map<String, Delta> deltas = new LinkedHashMap<>();
    if (before != null) {
      add(deltas, before, -1, maxFutureSkewMillis, windowMillis);
    }
    add(deltas, after, 1, maxFutureSkewMillis, windowMillis);
    List<AccuracyAggregates.Partial> partials = new ArrayList<>(deltas.size());
    Instant updated = Instant.ofEpochMilli(now);
    for (Delta delta : deltas.values()) {
      if (!delta.isZero()) {
        partials.add(new AccuracyAggregates.Partial(delta.scopeKey, delta.figure(after.verdict(), updated),
            delta.timestamp));
      }
    }
    return partials;
  }

  private static void add(Map<String, Delta> deltas, Counted counted, int sign, long maxFutureSkewMillis,
      long windowMillis) {
    ClassifiedItem verdict = counted.verdict();
    long timestamp = AccuracyAggregates.windowTime(verdict, verdict.getClassifiedTime().toEpochMilli(),
        maxFutureSkewMillis);
    long windowStart = timestamp - Math.floorMod(timestamp, windowMillis);
    ClassifiedItem audited = ClassifiedItem.newBuilder(verdict).setTrueLabel(counted.truth()).build();
    for (String scopeKey : AccuracyAggregates.scopeKeys(audited)) {
      Delta delta = deltas.computeIfAbsent(AccuracyAggregates.windowedKey(scopeKey, windowStart),
          group -> new Delta(scopeKey, timestamp));
      delta.add(scopeKey, counted, sign);
    }
  }

  /** The audited counts' change for one scope key and window. */
  private static final class Delta {
    private final String scopeKey;
    private final long timestamp;
    private long audited;
    private long auditedCorrect;
    private long auditedPredicted;
    private long sampledAudited;
    private long sampledCorrect;

    Delta(String scopeKey, long timestamp) {
      this.scopeKey = scopeKey;
      this.timestamp = timestamp;
    }

    void add(String scopeKey, Counted counted, int sign) {
      AggregateScope scope = AggregateScope.valueOf(scopeKey.substring(0, scopeKey.indexOf(':')));
      String key = AccuracyAggregates.unescape(scopeKey.substring(scopeKey.indexOf(':') + 1));
      FashionClass predicted = counted.verdict().getPredictedLabel();
      boolean correct = predicted == counted.truth();
      // as for scan labels: a class counts the items truly of it, and (for precision) the items predicted as it
      boolean truthHere = scope != AggregateScope.CLASS || counted.truth().name().equals(key);
      boolean predictedHere = scope != AggregateScope.CLASS || predicted.name().equals(key);
      if (truthHere) {
        audited += sign;
        auditedCorrect += correct ? sign : 0;
        if (counted.sampled()) {
          sampledAudited += sign;
          sampledCorrect += correct ? sign : 0;
        }
      }
      if (predictedHere) {
        auditedPredicted += sign;
      }
    }

    boolean isZero() {
      return audited == 0 && auditedCorrect == 0 && auditedPredicted == 0 && sampledAudited == 0
          && sampledCorrect == 0;
    }

    AccuracyAggregate figure(ClassifiedItem verdict, Instant updated) {
      return AccuracyAggregates.scoped(AccuracyAggregate.newBuilder(AccuracyAggregates.empty()), scopeKey)
          .setAudited(audited)
          .setAuditedCorrect(auditedCorrect)
          .setAuditedPredicted(auditedPredicted)
          .setSampledAudited(sampledAudited)
          .setSampledCorrect(sampledCorrect)
          .setModelVersion(verdict.getModelVersion())
          .setUpdatedTime(updated)
          .build();
    }
  }
}
