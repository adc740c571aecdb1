package io.fashionclassifier.cli;

import io.fashionclassifier.bench.Bench;
import io.fashionclassifier.bench.BenchPlan;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.local.LocalStack;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Measures the model alone, Kafka Streams alone and the whole classifier, and checks the performance targets. */
@Command(name = "bench", header = "Measure throughput, latency and memory, and check the targets.", mixinStandardHelpOptions = true,
    description = "Measure throughput (model alone, Kafka Streams pass-through, end to end by batch size with "
        + "exactly-once on and off, and a per-record consumer loop beside it), latency at fractions "
        + "${bundle:bench.latency-fractions} of the maximum, a bursty load, and memory over a soak, in one run on a "
        + "local broker; write bench-result.json and plots, and print the target ratios with PASS/FAIL.")
final class BenchCommand implements Callable<Integer> {

  static final String LOG_FILE = "bench.log";

  @Option(names = "--model", paramLabel = "DIR", defaultValue = "models/demo",
      description = "Model bundle to measure (default ${DEFAULT-VALUE}, the one `demo` trains).")
  Path modelDir;

  @Mixin FlipTtaOption flipTta;

  @Option(names = "--smoke",
      description = "Run every step on a few records, in seconds, to check the tool works; the figures mean nothing.")
  boolean smoke;

  @Option(names = "--long-soak",
      description = "Soak the model with ${bundle:bench.long-soak} images instead of ${bundle:bench.soak}.")
  boolean longSoak;

  @Option(names = "--records", paramLabel = "N",
      description = "Records per end-to-end saturation run (default ${bundle:bench.records}; "
          + "${bundle:bench.records.smoke} with --smoke).")
  Long records;

  @Option(names = "--batch-sizes", paramLabel = "N,N,...", split = ",",
      description = "Batch sizes of the end-to-end runs (default ${bundle:bench.batch-sizes}; "
          + "${bundle:bench.batch-sizes.smoke} with --smoke).")
  List<Integer> batchSizes;

  @Option(names = "--skip", paramLabel = "STEP,...", split = ",",
      description = "Steps to leave out, e.g. to compare two builds end to end only: inference, pass-through, "
          + "per-record, bursts, soak.")
  List<String> skip = new ArrayList<>();

  @Option(names = "--burst-low", paramLabel = "FRACTION",
      description = "Rate of the bursty load between bursts, as a fraction of the measured maximum "
          + "(default ${bundle:bench.burst-low}).")
  Double burstLow;

  @Option(names = "--burst-high", paramLabel = "FRACTION",
      description = "Rate of the bursty load during a burst, as a fraction of the measured maximum "
          + "(default ${bundle:bench.burst-high}).")
  Double burstHigh;

  @Option(names = "--burst-phase", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "How long each burst, and each quiet stretch around it, lasts (default ${bundle:bench.burst-phase}).")
  Duration burstPhase;

  @Option(names = "--bursts", paramLabel = "N",
      description = "Bursts in the bursty load; 0 leaves it out (default ${bundle:bench.bursts}).")
  Integer bursts;

  @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
      description = "A classifier or Kafka Streams setting for every run, e.g. -D commit.interval.ms=50 (repeatable).")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT",
      description = "Measure on this broker instead of starting a local one.")
  String bootstrapServers;

  @Option(names = {"-r", "--schema-registry-url"}, paramLabel = "URL",
      description = "Schema registry to use (default: an in-process one, so that it costs nothing measurable).")
  String registryUrl;

  @Mixin DatasetOption dataset;

  @Option(names = "--verbose",
      description = "Show the log of the broker, Kafka Streams and the classifier on the terminal too (it goes to "
          + LOG_FILE + " in the --out directory).")
  boolean verbose;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-report",
      description = "Where bench-result.json and the plots go (default ${DEFAULT-VALUE}).")
  Path outDir;

  @Override
  public Integer call() throws Exception {
    String flip = flipTta.value();
    try (ModelBundle bundle = ModelBundle.load(modelDir)) {
      // checked before a broker starts: a missing model is the likeliest mistake
    } catch (ModelBundleException e) {
      throw new UserError(e.getMessage() + " (or run `demo` once: it trains a quick model into models/demo)", e);
    }
    FashionMnist data = dataset.load();
    BenchPlan plan = smoke ? BenchPlan.smoke() : BenchPlan.standard();
    try {
      if (longSoak) {
        plan = plan.withSoakRecords(BenchPlan.LONG_SOAK_RECORDS);
      }
      if (records != null) {
        plan = plan.withEndToEndRecords(records);
      }
      if (batchSizes != null) {
        plan = plan.withEndToEndBatchSizes(batchSizes);
      }
      BenchPlan.Burst burst = plan.burst();
      plan = plan.withBurst(new BenchPlan.Burst(burstLow == null ? burst.lowFraction() : burstLow,
          burstHigh == null ? burst.highFraction() : burstHigh, burstPhase == null ? burst.phase() : burstPhase,
          bursts == null ? burst.bursts() : bursts));
      for (String step : skip) {
        plan = plan.without(switch (step) {
          case "inference" -> BenchPlan.Step.INFERENCE;
          case "pass-through" -> BenchPlan.Step.PASS_THROUGH;
          case "soak" -> BenchPlan.Step.SOAK;
          case "bursts" -> BenchPlan.Step.BURST;
          case "per-record" -> BenchPlan.Step.PER_RECORD;
          default -> throw new UserError(
              "--skip takes inference, pass-through, per-record, bursts or soak, not '" + step + "'");
        });
      }
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    String registry = registryUrl == null ? "mock://bench-" + UUID.randomUUID() : registryUrl;
    PrintStream out = System.out;
    try (StopSignal stop = StopSignal.install("bench");
        ReportLog log = ReportLog.toReport(outDir, LOG_FILE, verbose)) {
      if (bootstrapServers != null) {
        run(new Bench.Settings(bootstrapServers, registry, modelDir, flip, data.test(), plan, smoke, set, outDir),
            out, stop);
      } else {
        out.println("starting a Kafka broker ...");
        try (LocalStack stack = LocalStack.start(false)) {
          out.println("kafka broker: " + stack.bootstrapServers());
          run(new Bench.Settings(stack.bootstrapServers(), registry, modelDir, flip, data.test(), plan, smoke, set,
              outDir), out, stop);
        }
      }
      if (!verbose) {
        out.println("  log:    " + outDir.resolve(LOG_FILE).toAbsolutePath() + " (--verbose shows it here)");
      }
      return stop.requested() ? 130 : 0;
    }
  }

  private static void run(Bench.Settings settings, PrintStream out, StopSignal stop) throws Exception {
    try {
      new Bench(settings, out).run(stop::requested);
    } catch (InterruptedException e) {
      if (!stop.requested()) {
        throw e;
      }
    }
  }
}
