package io.fashionclassifier.bench;

import io.fashionclassifier.schema.ClassifiedItem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * A bursty load on the stream classifier: the send rate switches between a low and a high fraction of the measured
 * maximum ({@link BenchPlan.Burst}), so that each burst builds a backlog the classifier must work off while new
 * records keep coming. Measures how long each burst's backlog takes to drain (from the burst's end until every
 * record sent up to then is visible downstream) and the latency of the records captured before, during and after
 * the bursts.
 */
final class BurstLoad implements PipelineRun.Load {

  /**
   * @param drainSeconds per burst, from its last send until the output count reached what had been sent by then
   *     (NaN: not within the run)
   * @param beforeP99Millis latency of the records captured in the first low phase, before any burst
   * @param duringP99Millis latency of the records captured in the high phases
   * @param afterP99Millis latency of the records captured in the low phases that follow a burst, drain included
   * @param run the run as a whole, measured as every other run is
   */
  record Result(double lowRatePerSecond, double highRatePerSecond, double phaseSeconds, int bursts,
      List<Double> drainSeconds, double maxDrainSeconds,
      long beforeItems, long beforeP50Millis, long beforeP99Millis,
      long duringItems, long duringP50Millis, long duringP99Millis,
      long afterItems, long afterP50Millis, long afterP99Millis,
      PipelineRun.Result run) {}

  private final List<Workbench.Phase> phases = new ArrayList<>();
  private final double lowRate;
  private final double highRate;
  private final BenchPlan.Burst burst;
  private final Workbench bench;
  // ends of the phases, as wall-clock milliseconds (to place capture times) and nanoTime (to time the drain)
  private final long[] endMillis;
  private final long[] endNanos;
  private final long[] sentBy;
  private final Arrivals arrivals = new Arrivals();
  private final Histogram before = histogram();
  private final Histogram during = histogram();
  private final Histogram after = histogram();

  private BurstLoad(Workbench bench, BenchPlan.Burst burst, double max) {
    this.bench = bench;
    this.burst = burst;
    lowRate = Math.max(1, burst.lowFraction() * max);
    highRate = Math.max(1, burst.highFraction() * max);
    double seconds = burst.phase().toMillis() / 1000.0;
    for (int i = 0; i < 2 * burst.bursts() + 1; i++) {
      double rate = i % 2 == 0 ? lowRate : highRate;
      phases.add(new Workbench.Phase(rate, Math.max(1, Math.round(rate * seconds))));
    }
    endMillis = new long[phases.size()];
    endNanos = new long[phases.size()];
    sentBy = new long[phases.size()];
  }

  /** Runs the bursty load against the classifier at its default settings plus {@code settings}. */
  static Result run(Workbench bench, String name, Map<String, String> settings, BenchPlan.Burst burst,
      double maxPerSecond, Duration warmUp) throws InterruptedException {
    BurstLoad load = new BurstLoad(bench, burst, maxPerSecond);
    Duration schedule = burst.phase().multipliedBy(2L * burst.bursts() + 1);
    PipelineRun.Result run = PipelineRun.loaded(bench, name, settings, load, schedule.plusSeconds(60), warmUp,
        load::seen);
    return load.result(run);
  }

  @Override
  public long records() {
    return phases.stream().mapToLong(Workbench.Phase::count).sum();
  }

  @Override
  public double meanRate() {
    return records() / (phases.size() * burst.phase().toMillis() / 1000.0);
  }

  @Override
  public long send(String topic) {
    return bench.send(topic, phases, (phase, sentSoFar) -> {
      synchronized (this) {
        endMillis[phase] = System.currentTimeMillis();
        endNanos[phase] = System.nanoTime();
        sentBy[phase] = sentSoFar;
      }
    });
  }

  private synchronized void seen(ClassifiedItem item, Instant seenAt, long seenNanos) {
    arrivals.add(seenNanos);
    long captured = item.getCaptureTime().toEpochMilli();
    long latency = Math.max(1, Math.min(seenAt.toEpochMilli() - captured, 600_000));
    int phase = phaseOf(captured);
    if (phase == 0) {
      before.recordValue(latency);
    } else if (phase % 2 == 1) {
      during.recordValue(latency);
    } else {
      after.recordValue(latency);
    }
  }

  /** The phase a record captured at {@code captured} was sent in; a phase still running has no end yet. */
  private int phaseOf(long captured) {
    for (int i = 0; i < phases.size(); i++) {
      if (endMillis[i] == 0 || captured < endMillis[i]) {
        return i;
      }
    }
    return phases.size() - 1;
  }

  private synchronized Result result(PipelineRun.Result run) {
    List<Double> drains = new ArrayList<>();
    for (int i = 1; i < phases.size(); i += 2) {
      long drained = arrivals.nanosOf(sentBy[i]);
      // from the burst's last send as scheduled, not from when its sends were acknowledged (the producer's flush):
      // the classifier works on the burst meanwhile
      long scheduled = endNanos[i - 1] + (long) (phases.get(i).count() * 1e9 / phases.get(i).ratePerSecond());
      long end = Math.min(endNanos[i], scheduled);
      drains.add(endNanos[i] == 0 || drained < 0 ? Double.NaN : Math.max(0, drained - end) / 1e9);
    }
    double maxDrain = drains.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    return new Result(lowRate, highRate, burst.phase().toMillis() / 1000.0, burst.bursts(), List.copyOf(drains),
        maxDrain, before.getTotalCount(), percentile(before, 50), percentile(before, 99),
        during.getTotalCount(), percentile(during, 50), percentile(during, 99),
        after.getTotalCount(), percentile(after, 50), percentile(after, 99), run);
  }

  private static long percentile(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile);
  }

  private static Histogram histogram() {
    // 1 ms .. 10 min at 3 significant digits, as the other latency figures
    return new Histogram(1, 600_000, 3);
  }
}
