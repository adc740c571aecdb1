package io.fashionclassifier.demo;

import io.fashionclassifier.scanner.ScannerSimulator;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.FashionClass;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * The demo's closing figures: what was sent, what came out, how fast, how accurate, measured by the demo's
 * own reader and, side by side, as reported by the classifier's cumulative aggregates.
 *
 * @param complete whether every sent record came out (as a classified item or a dead letter)
 * @param measuredAccuracy correct / labelled over the items read from the output topic
 * @param reportedAccuracy the classifier's own final OVERALL cumulative aggregate, or null when none was read
 */
public record DemoSummary(
    long sent, long labelledSent, long brokenSent, double sendSeconds,
    long classified, long deadLetters, boolean complete,
    double itemsPerSecond, long latencyP50Millis, long latencyP90Millis, long latencyP99Millis,
    long labelled, long correct, double measuredAccuracy, Double reportedAccuracy, Long reportedLabelled,
    List<ClassFigures> perClass, List<DemoStats.Mistake> mistakes, String modelVersion, Inference inference) {

  /**
   * The classifier's own view of its model calls, from its metrics: how many batches, how full, how long.
   *
   * @param seconds total time spent in the model
   */
  public record Inference(long batches, double meanBatchSize, double seconds) {
    public static Inference of(MeterRegistry registry) {
      DistributionSummary sizes = registry.find("fashion.batch.size").summary();
      Timer time = registry.find("fashion.inference.time").timer();
      return new Inference(sizes == null ? 0 : sizes.count(), sizes == null ? 0 : sizes.mean(),
          time == null ? 0 : time.totalTime(TimeUnit.NANOSECONDS) / 1e9);
    }

    public double imagesPerSecond() {
      return seconds <= 0 ? 0 : batches * meanBatchSize / seconds;
    }
  }

  /** Figures for one class: recall and precision over the labelled items read by the demo. */
  public record ClassFigures(String name, long labelled, double precision, double recall, Double reportedRecall) {}

  static DemoSummary of(ScannerSimulator.Summary scan, DemoStats stats,
      BiFunction<AggregateScope, String, AccuracyAggregate> cumulative, String modelVersion, boolean complete,
      Inference inference) {
    List<ClassFigures> perClass = new ArrayList<>();
    for (FashionClass c : FashionClass.values()) {
      AccuracyAggregate reported = cumulative.apply(AggregateScope.CLASS, c.name());
      perClass.add(new ClassFigures(Demo.className(c.ordinal()), stats.labelled(c.ordinal()),
          stats.precision(c.ordinal()), stats.recall(c.ordinal()), reported == null ? null : reported.getRecall()));
    }
    AccuracyAggregate overall = cumulative.apply(AggregateScope.OVERALL, "all");
    return new DemoSummary(scan.sent(), scan.labelled(), scan.brokenTotal(), scan.seconds(),
        stats.items(), stats.deadLetters(), complete,
        stats.itemsPerSecond(), stats.latencyPercentile(50), stats.latencyPercentile(90),
        stats.latencyPercentile(99),
        stats.labelled(), stats.correct(), stats.accuracy(),
        overall == null ? null : overall.getAccuracy(), overall == null ? null : overall.getLabelled(),
        perClass, stats.mistakes(), modelVersion, inference);
  }

  void print(PrintStream out, Path reportDir) {
    out.println();
    out.printf(Locale.ROOT, "Summary (model %s)%n", modelVersion);
    out.printf(Locale.ROOT, "  sent           %,d records in %.1f s (%,d labelled, %,d deliberately broken)%n",
        sent, sendSeconds, labelledSent, brokenSent);
    out.printf(Locale.ROOT, "  came out       %,d classified items + %,d dead letters%s%n", classified, deadLetters,
        complete ? "" : "  (INCOMPLETE: stopped or timed out before everything came out)");
    out.printf(Locale.ROOT, "  throughput     %,.0f items/s%n", itemsPerSecond);
    out.printf(Locale.ROOT, "  model calls    %,d batches of %.1f images on average, %.1f s in the model (%,.0f images/s)%n",
        inference.batches(), inference.meanBatchSize(), inference.seconds(), inference.imagesPerSecond());
    out.printf(Locale.ROOT, "  latency        p50 %,d ms, p90 %,d ms, p99 %,d ms (capture to visible downstream)%n",
        latencyP50Millis, latencyP90Millis, latencyP99Millis);
    out.printf(Locale.ROOT, "  accuracy       %s of %,d labelled items (classifier's own aggregate: %s)%n",
        Demo.percent(measuredAccuracy), labelled,
        reportedAccuracy == null ? "none read" : Demo.percent(reportedAccuracy));
    out.println();
    out.printf(Locale.ROOT, "  %-12s %9s %10s %8s%n", "class", "labelled", "precision", "recall");
    for (ClassFigures c : perClass) {
      out.printf(Locale.ROOT, "  %-12s %,9d %10s %8s%n", c.name(), c.labelled(), Demo.percent(c.precision()),
          Demo.percent(c.recall()));
    }
    if (!mistakes.isEmpty()) {
      out.println();
      out.println("  some misclassified items:");
      for (DemoStats.Mistake m : mistakes.subList(0, Math.min(5, mistakes.size()))) {
        out.printf(Locale.ROOT, "    %-20s %-11s predicted %-11s (%.0f%%), truly %s%n", m.itemId(), m.scannerId(),
            Demo.className(m.predicted()), 100 * m.confidence(), Demo.className(m.truth()));
      }
    }
    out.println();
    out.println("  report: " + reportDir.toAbsolutePath().resolve("summary.md"));
  }
}
