package io.fashionclassifier.bench;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Where a run's latency went, stage by stage: the classifier's own histograms ({@code /metrics}) for the stages
 * inside it, counted from the end of the warm-up (their buckets then, subtracted), and, for the last stage, the
 * time from the commit that made a verdict visible to the bench's reader seeing it.
 */
final class StageLatency {

  /**
   * One stage's figures, in milliseconds: quantiles taken over histogram buckets, as Prometheus'
   * {@code histogram_quantile} takes them.
   *
   * @param count the measurements: records, or batches for the model's stages
   */
  record Stage(String name, String per, long count, double p50Millis, double p99Millis) {}

  /** The classifier's stages in the order a record goes through them: meter name, label, per what. */
  private static final String[][] STAGES = {
      {"fashion.consumer.wait", "consumer", "record"},
      {"fashion.batching.wait", "batching", "record"},
      {"fashion.model.queue", "queue to the model", "batch"},
      {"fashion.inference.time", "model", "batch"},
      {"fashion.commit.wait", "commit", "record"},
  };

  private final MeterRegistry registry;
  private final Map<String, HistogramSnapshot> baseline = new ConcurrentHashMap<>();
  private volatile boolean counting;
  /** The end of the commit that made each classification time's verdicts visible. */
  private final Map<Long, Long> committedAt = new ConcurrentHashMap<>();
  private final List<long[]> seen = new ArrayList<>();

  StageLatency(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Told by the classifier of each batch a commit made visible. */
  void committed(long classifiedTime, long commitEnded) {
    committedAt.putIfAbsent(classifiedTime, commitEnded);
  }

  /** From now on, what the stages measure counts: the warm-up is over. Idempotent. */
  synchronized void startCounting() {
    if (counting) {
      return;
    }
    for (String[] stage : STAGES) {
      Timer timer = timer(stage[0]);
      if (timer != null) {
        baseline.put(stage[0], timer.takeSnapshot());
      }
    }
    counting = true;
  }

  /** The reader saw a verdict classified at {@code classifiedTime} at {@code seenAt} (epoch milliseconds). */
  synchronized void seen(long classifiedTime, long seenAt) {
    if (counting) {
      seen.add(new long[] {classifiedTime, seenAt});
    }
  }

  /** The stages, in order, once the run is over. */
  synchronized List<Stage> stages() {
    List<Stage> stages = new ArrayList<>();
    for (String[] stage : STAGES) {
      Timer timer = timer(stage[0]);
      if (timer == null) {
        continue;
      }
      Map<Double, Double> counts = counts(timer.takeSnapshot());
      HistogramSnapshot before = baseline.get(stage[0]);
      if (before != null) {
        counts(before).forEach((bucket, count) -> counts.merge(bucket, -count, Double::sum));
      }
      long total = Math.round(counts.values().stream().mapToDouble(Double::doubleValue).max().orElse(0));
      stages.add(new Stage(stage[1], stage[2], total, quantile(counts, 0.5), quantile(counts, 0.99)));
    }
    Histogram reader = new Histogram(600_000, 3);
    for (long[] item : seen) {
      Long committed = committedAt.get(item[0]);
      if (committed != null) {
        reader.recordValue(Math.min(Math.max(0, item[1] - committed), reader.getHighestTrackableValue()));
      }
    }
    stages.add(new Stage("reader", "record", reader.getTotalCount(),
        reader.getTotalCount() == 0 ? Double.NaN : reader.getValueAtPercentile(50),
        reader.getTotalCount() == 0 ? Double.NaN : reader.getValueAtPercentile(99)));
    return stages;
  }

  /** The active model's inference timer, or the stage's only timer. */
  private Timer timer(String name) {
    return name.equals("fashion.inference.time")
        ? registry.find(name).tag("role", "active").timer()
        : registry.find(name).timer();
  }

  /** Cumulative counts by bucket upper bound in milliseconds, the last bucket holding every measurement. */
  private static Map<Double, Double> counts(HistogramSnapshot snapshot) {
    Map<Double, Double> counts = new LinkedHashMap<>();
    for (CountAtBucket bucket : snapshot.histogramCounts()) {
      counts.put(bucket.bucket(TimeUnit.MILLISECONDS), bucket.count());
    }
    counts.put(Double.POSITIVE_INFINITY, (double) snapshot.count());
    return counts;
  }

  /** Linear within the bucket the quantile falls in; NaN without measurements. */
  static double quantile(Map<Double, Double> cumulative, double q) {
    double total = cumulative.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lower = 0;
    double below = 0;
    for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
      double upper = bucket.getKey();
      double count = bucket.getValue();
      if (count >= rank) {
        if (Double.isInfinite(upper)) {
          return lower; // beyond the last bucket: its bound is all that is known
        }
        double inBucket = count - below;
        return inBucket <= 0 ? upper : lower + (upper - lower) * (rank - below) / inBucket;
      }
      lower = upper;
      below = count;
    }
    return lower;
  }
}
