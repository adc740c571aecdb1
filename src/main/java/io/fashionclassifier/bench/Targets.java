package io.fashionclassifier.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The targets, as ratios measured in one run on one machine, each with its verdict. */
final class Targets {

  static final double END_TO_END_VS_MODEL = 0.8;
  static final double MODEL_BUSY = 0.9;
  static final double BATCHED_VS_PER_RECORD = 5;
  static final double LATENCY_FRACTION = 0.5;
  static final long LATENCY_P99_MILLIS = 100;
  static final long LATENCY_P50_MILLIS = 40;
  static final double RSS_GROWTH = 0.05;

  /**
   * @param pass whether the target is met; null for a figure given as context, or one not measured in this run
   */
  record Check(String figure, String measured, String target, Boolean pass) {}

  private Targets() {}

  /** The checks for the figures of {@code view} (whose own checks are ignored). */
  static List<Check> checks(BenchResult view) {
    int defaultBatchSize = view.defaultBatchSize();
    PassThrough.Result passThrough = view.passThrough();
    MemorySoak.Result soak = view.soak();
    List<Check> checks = new ArrayList<>();
    double batched = view.endToEnd(defaultBatchSize, true).map(PipelineRun.Result::itemsPerSecond).orElse(Double.NaN);
    double model = view.inference(defaultBatchSize).map(InferenceSweep.Point::imagesPerSecond).orElse(Double.NaN);
    double ratio = Stats.ratio(batched, model);
    checks.add(new Check(String.format(Locale.ROOT,
            "end to end, exactly-once, batch %d / model alone at batch %d", defaultBatchSize, defaultBatchSize),
        times(ratio) + String.format(Locale.ROOT, " (%,.0f / %,.0f per s)", batched, model),
        ">= " + END_TO_END_VS_MODEL + "x", verdict(ratio, ratio >= END_TO_END_VS_MODEL)));

    // against the plain consumer loop most model-serving examples use, measured in the same run
    double loop = view.perRecord() == null ? Double.NaN : view.perRecord().itemsPerSecond();
    double gain = Stats.ratio(batched, loop);
    checks.add(new Check(String.format(Locale.ROOT,
            "end to end, exactly-once, batch %d / per-record consumer loop (at-least-once)", defaultBatchSize),
        times(gain) + String.format(Locale.ROOT, " (%,.0f / %,.0f per s)", batched, loop),
        ">= " + (int) BATCHED_VS_PER_RECORD + "x", verdict(gain, gain >= BATCHED_VS_PER_RECORD)));

    PipelineRun.Result half = view.latency().stream()
        .filter(r -> r.name().equals(Bench.latencyName(LATENCY_FRACTION)))
        .findFirst().orElse(null);
    String at = half == null ? "" : String.format(Locale.ROOT, " at %,.0f/s", half.ratePerSecond());
    boolean latencyMeasured = half != null && half.latencyItems() > 0;
    checks.add(new Check("latency p99, capture to read_committed, at half the maximum rate",
        latencyMeasured ? half.latencyP99Millis() + " ms" + at : "not measured",
        "<= " + LATENCY_P99_MILLIS + " ms", latencyMeasured ? half.latencyP99Millis() <= LATENCY_P99_MILLIS : null));
    checks.add(new Check("latency p50, same run",
        latencyMeasured ? half.latencyP50Millis() + " ms" + at : "not measured",
        "<= " + LATENCY_P50_MILLIS + " ms", latencyMeasured ? half.latencyP50Millis() <= LATENCY_P50_MILLIS : null));

    if (soak != null) {
      checks.add(new Check(String.format(Locale.ROOT, "RSS growth from %,d to %,d images (model soak)",
              (long) (soak.records() * MemorySoak.FROM), soak.records()),
          Double.isNaN(soak.rssGrowth()) ? "unknown" : String.format(Locale.ROOT, "%+.1f%%", 100 * soak.rssGrowth()),
          "<= 5%", verdict(soak.rssGrowth(), soak.rssGrowth() <= RSS_GROWTH)));
      checks.add(new Check("live NDArrays, same span", String.format(Locale.ROOT, "%+d", soak.ndArrayGrowth()),
          "no growth", soak.ndArrayGrowth() <= 0));
    }

    BurstLoad.Result burst = view.burst();
    if (burst != null) {
      checks.add(new Check(String.format(Locale.ROOT, "bursts to %.0f%% of the maximum: longest drain, p99 during / "
              + "after", 100 * burst.highRatePerSecond() / Math.max(1, view.maxItemsPerSecond())),
          String.format(Locale.ROOT, "%s s, %,d / %,d ms", Double.isNaN(burst.maxDrainSeconds()) ? "not drained"
              : String.format(Locale.ROOT, "%.2f", burst.maxDrainSeconds()), burst.duringP99Millis(),
              burst.afterP99Millis()), "context", null));
    }

    double batchOfOne = view.endToEnd(1, true).map(PipelineRun.Result::itemsPerSecond).orElse(Double.NaN);
    checks.add(new Check(String.format(Locale.ROOT, "end to end, batch %d / batch 1", defaultBatchSize),
        times(Stats.ratio(batched, batchOfOne)) + String.format(Locale.ROOT, " (%,.0f / %,.0f per s)", batched,
            batchOfOne), "context", null));

    // context: what Kafka Streams alone allows, and what exactly-once costs
    double ceiling = passThrough == null ? Double.NaN : passThrough.recordsPerSecond();
    checks.add(new Check("end to end, batch " + defaultBatchSize + " / Kafka Streams pass-through",
        times(Stats.ratio(batched, ceiling)) + String.format(Locale.ROOT, " (pass-through %,.0f per s)", ceiling),
        "context", null));
    double atLeastOnce =
        view.endToEnd(defaultBatchSize, false).map(PipelineRun.Result::itemsPerSecond).orElse(Double.NaN);
    checks.add(new Check("end to end, exactly-once / at-least-once, batch " + defaultBatchSize,
        times(Stats.ratio(batched, atLeastOnce)), "context", null));
    // last, so that the checks above keep their places in reports read by position
    Optional<PipelineRun.Result> saturated = view.endToEnd(defaultBatchSize, true);
    double busy = saturated.filter(r -> r.cpu() != null && r.cpu().wallSeconds() > 0)
        .map(r -> r.modelSeconds() / r.cpu().wallSeconds()).orElse(Double.NaN);
    checks.add(new Check(String.format(Locale.ROOT,
            "model busy at saturation, exactly-once batch %d: time in model calls / wall time", defaultBatchSize),
        Double.isNaN(busy) ? "not measured" : String.format(Locale.ROOT, "%.0f%% (%.1f of %.1f s)", 100 * busy,
            saturated.get().modelSeconds(), saturated.get().cpu().wallSeconds()),
        ">= " + Math.round(100 * MODEL_BUSY) + "%", verdict(busy, busy >= MODEL_BUSY)));
    return checks;
  }

  private static Boolean verdict(double value, boolean pass) {
    return Double.isNaN(value) ? null : pass;
  }

  private static String times(double ratio) {
    return Double.isNaN(ratio) ? "not measured" : String.format(Locale.ROOT, "%.2fx", ratio);
  }

  static void print(List<Check> checks, PrintStream out) {
    int width = checks.stream().mapToInt(c -> c.figure().length()).max().orElse(10);
    int measuredWidth = checks.stream().mapToInt(c -> c.measured().length()).max().orElse(10);
    for (Check check : checks) {
      String result = check.pass() == null ? "" : check.pass() ? "PASS" : "FAIL";
      out.printf(Locale.ROOT, "  %-" + width + "s  %-" + measuredWidth + "s  %-10s %s%n", check.figure(),
          check.measured(), check.target(), result);
    }
  }
}
