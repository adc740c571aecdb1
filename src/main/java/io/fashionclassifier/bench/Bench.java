package io.fashionclassifier.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.scanner.ScanImage;
import io.fashionclassifier.streaming.ClassifierApp;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Measures, in one process and one run, what the performance targets compare: the model alone at each
 * batch size, Kafka Streams' own ceiling on the same broker, the stream classifier end to end at saturation for
 * several batch sizes with exactly-once on and off, latency at fractions of the measured maximum, and memory over
 * a long run of inference. Writes {@code bench-result.json} and PNG plots, and prints the ratios with verdicts.
 */
public final class Bench {

  public static final String RESULT_FILE = "bench-result.json";
  static final String BATCH_SIZE_KEY = ClassifierConfig.BATCH_SIZE;

  /**
   * Where and what to run.
   *
   * @param classifierSettings given to every classifier run, e.g. {@code commit.interval.ms}, to measure a setting
   */
  public record Settings(String bootstrapServers, String registryUrl, Path modelDir, String flipTta,
      LabelledImages images, BenchPlan plan, boolean smoke, Map<String, String> classifierSettings, Path outDir) {}

  private final Settings settings;
  private final PrintStream out;

  public Bench(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  static String endToEndName(int batchSize, boolean exactlyOnce) {
    return "batch-" + batchSize + (exactlyOnce ? "-eos" : "-alos");
  }

  static String latencyName(double fraction) {
    return "latency-" + Math.round(100 * fraction) + "pct";
  }

  public BenchResult run(BooleanSupplier stopped) throws InterruptedException, IOException {
    BenchPlan plan = settings.plan();
    double loadStart = loadAverage();
    String startedAt = Instant.now().toString();
    long start = System.nanoTime();
    int defaultBatchSize = ClassifierConfig.of(Map.of()).batchSize();
    List<byte[]> pixels = settings.images().images(0, settings.images().size());
    List<ScanImage> scans = new ArrayList<>(pixels.size());
    for (int i = 0; i < pixels.size(); i++) {
      scans.add(new ScanImage(pixels.get(i), settings.images().columns(), settings.images().rows(),
          settings.images().label(i)));
    }

    try (ModelBundle bundle = ModelBundle.load(settings.modelDir())) {
      ClassifierConfig flip = ClassifierConfig.of(Map.of(ClassifierConfig.MODEL_FLIP_TTA, settings.flipTta()));
      Supplier<BatchClassifier> classifiers = ClassifierApp.classifiers(bundle, flip);
      out.printf(Locale.ROOT, "model %s (%s), flip TTA %s; %d cores, load average %.1f%n", bundle.version(),
          bundle.manifest().architecture(), settings.flipTta(), Runtime.getRuntime().availableProcessors(), loadStart);

      List<InferenceSweep.Point> inference = List.of();
      if (!plan.inferenceBatchSizes().isEmpty()) {
        step("model alone, batch sizes " + plan.inferenceBatchSizes());
        inference = InferenceSweep.run(classifiers, pixels, plan.inferenceBatchSizes(), plan.inferencePerRepeat(),
            plan.inferenceRepeats());
      }
      for (InferenceSweep.Point point : inference) {
        out.printf(Locale.ROOT, "    batch %3d: %,8.0f images/s%n", point.batchSize(), point.imagesPerSecond());
      }

      Workbench bench = new Workbench(settings.bootstrapServers(), settings.registryUrl(),
          UUID.randomUUID().toString().substring(0, 8), settings.modelDir(), settings.flipTta(), classifiers, scans,
          settings.classifierSettings(), plan.partitions(), stopped);

      PassThrough.Result passThrough = null;
      if (plan.passThroughRecords() > 0) {
        step(String.format(Locale.ROOT, "Kafka Streams pass-through, %,d records", plan.passThroughRecords()));
        passThrough = PassThrough.run(bench, plan.passThroughRecords(), plan.endToEndLimit());
        out.printf(Locale.ROOT, "    %,.0f records/s%s (CPU s over %.1f s: stream thread %.1f, other Java %.1f, "
                + "broker %.1f)%n", passThrough.recordsPerSecond(), passThrough.complete() ? "" : " (INCOMPLETE)",
            passThrough.cpu().wallSeconds(), passThrough.cpu().streamThreads(), passThrough.cpu().otherJavaThreads(),
            passThrough.cpu().childProcesses());
      }

      step(String.format(Locale.ROOT, "end to end at saturation, %,d records per run", plan.endToEndRecords()));
      // the JIT compiles Kafka's, Avro's and the classifier's code during the first run, on the cores the model
      // needs (profiled in docs/benchmarks.md); a long-running service has long done that
      PipelineRun.Result warmUp = PipelineRun.saturated(bench, "warm-up", Map.of(),
          Math.max(1, plan.endToEndRecords() / 2), plan.endToEndLimit());
      out.printf(Locale.ROOT, "    warm-up, default settings, not counted: %,.0f items/s%n", warmUp.itemsPerSecond());
      List<PipelineRun.Result> endToEnd = new ArrayList<>();
      for (int batchSize : plan.endToEndBatchSizes()) {
        for (boolean exactlyOnce : List.of(true, false)) {
          Map<String, String> run = new LinkedHashMap<>();
          run.put(BATCH_SIZE_KEY, Integer.toString(batchSize));
          run.put("processing.guarantee", exactlyOnce ? "exactly_once_v2" : "at_least_once");
          PipelineRun.Result result = PipelineRun.saturated(bench, endToEndName(batchSize, exactlyOnce), run,
              plan.endToEndRecords(), plan.endToEndLimit());
          endToEnd.add(result);
          CpuTime.Split cpu = result.cpu();
          out.printf(Locale.ROOT, "    batch %3d %-13s %,7.0f items/s  (mean batch %.1f, %,.0f images/s in the model, "
                  + "%.1f of %.1f s in it; CPU s: stream thread %.1f, other Java %.1f, native (MXNet, JIT, GC) %.1f, "
                  + "broker %.1f%s)%n",
              batchSize, exactlyOnce ? "exactly-once" : "at-least-once", result.itemsPerSecond(),
              result.meanBatchSize(), result.modelImagesPerSecond(), result.modelSeconds(), cpu.wallSeconds(),
              cpu.streamThreads(), cpu.otherJavaThreads(), cpu.nativeThreads(), cpu.childProcesses(),
              result.complete() ? "" : String.format(Locale.ROOT, "; %,d of %,d in the time limit",
                  result.classified() + result.deadLetters(), result.sent()));
          if (stopped.getAsBoolean()) {
            throw new InterruptedException("stopped");
          }
        }
      }

      PerRecordBaseline.Result perRecord = null;
      if (plan.perRecordRecords() > 0) {
        step(String.format(Locale.ROOT, "per-record baseline: a consumer loop, one predictor call per record, "
            + "at-least-once (commitSync after each poll), %,d records", plan.perRecordRecords()));
        perRecord = PerRecordBaseline.run(bench, plan.perRecordRecords(), plan.endToEndLimit(),
            plan.latencyPerRate(), plan.latencyWarmUp());
        out.printf(Locale.ROOT, "    %,.0f items/s%s (%.1f of %.1f s in the model); at half that (%,.0f/s): "
                + "p50 %,d ms, p90 %,d ms, p99 %,d ms over %,d items%s%n", perRecord.itemsPerSecond(),
            perRecord.complete() ? "" : " (INCOMPLETE)", perRecord.modelSeconds(), perRecord.seconds(),
            perRecord.latencyRatePerSecond(), perRecord.latencyP50Millis(), perRecord.latencyP90Millis(),
            perRecord.latencyP99Millis(), perRecord.latencyItems(), perRecord.latencyComplete() ? "" : " (INCOMPLETE)");
        if (stopped.getAsBoolean()) {
          throw new InterruptedException("stopped");
        }
      }

      double max = endToEnd.stream()
          .filter(r -> r.name().equals(endToEndName(defaultBatchSize, true)))
          .mapToDouble(PipelineRun.Result::itemsPerSecond).findFirst()
          .orElseGet(() -> endToEnd.stream().mapToDouble(PipelineRun.Result::itemsPerSecond).max().orElse(0));
      step(String.format(Locale.ROOT, "latency at %s of the maximum (%,.0f items/s, default settings)",
          plan.latencyFractions(), max));
      List<PipelineRun.Result> latency = new ArrayList<>();
      for (double fraction : plan.latencyFractions()) {
        PipelineRun.Result result = PipelineRun.paced(bench, latencyName(fraction), Map.of(),
            Math.max(1, fraction * max), plan.latencyPerRate(), plan.latencyWarmUp());
        latency.add(result);
        out.printf(Locale.ROOT, "    %3.0f%% (%,6.0f/s): p50 %,d ms, p90 %,d ms, p99 %,d ms over %,d items "
                + "(mean batch %.1f; batch to the model at p50 %,d ms, p99 %,d ms)%s%n", 100 * fraction,
            result.ratePerSecond(), result.latencyP50Millis(), result.latencyP90Millis(), result.latencyP99Millis(),
            result.latencyItems(), result.meanBatchSize(), result.batchedP50Millis(), result.batchedP99Millis(),
            result.complete() ? "" : " (INCOMPLETE)");
        out.println("          stages, p50 / p99 ms: " + stages(result.stages()));
        if (stopped.getAsBoolean()) {
          throw new InterruptedException("stopped");
        }
      }

      BurstLoad.Result burst = null;
      if (plan.burst().bursts() > 0) {
        BenchPlan.Burst shape = plan.burst();
        step(String.format(Locale.ROOT, "bursts: %d x %.0f s at %.0f%% of the maximum between %.0f s at %.0f%% "
                + "(default settings)", shape.bursts(), shape.phase().toMillis() / 1000.0,
            100 * shape.highFraction(), shape.phase().toMillis() / 1000.0, 100 * shape.lowFraction()));
        burst = BurstLoad.run(bench, "bursts", Map.of(), shape, max, plan.latencyWarmUp());
        out.printf(Locale.ROOT, "    %,.0f/s <-> %,.0f/s: backlog drained in %s s after each burst (longest %s s)%s%n",
            burst.lowRatePerSecond(), burst.highRatePerSecond(), seconds(burst.drainSeconds()),
            seconds(List.of(burst.maxDrainSeconds())), burst.run().complete() ? "" : " (INCOMPLETE)");
        out.printf(Locale.ROOT, "    p50 / p99: before the bursts %,d / %,d ms, during %,d / %,d ms, after %,d / %,d ms%n",
            burst.beforeP50Millis(), burst.beforeP99Millis(), burst.duringP50Millis(), burst.duringP99Millis(),
            burst.afterP50Millis(), burst.afterP99Millis());
        if (stopped.getAsBoolean()) {
          throw new InterruptedException("stopped");
        }
      }

      MemorySoak.Result soak = null;
      if (plan.soakRecords() > 0) {
        step(String.format(Locale.ROOT, "memory soak, %,d images in batches of %d", plan.soakRecords(),
            defaultBatchSize));
        soak = MemorySoak.run(classifiers, pixels, defaultBatchSize, plan.soakRecords());
        out.printf(Locale.ROOT, "    RSS %+.1f%% (JVM heap committed %+,.0f MB), NDArrays %+d from %,d to %,d images "
                + "(%.0f s)%n", 100 * soak.rssGrowth(), soak.heapGrowthBytes() / 1e6, soak.ndArrayGrowth(),
            (long) (soak.records() * MemorySoak.FROM), soak.records(), soak.seconds());
      }

      BenchResult measured = new BenchResult(bundle.version(), bundle.manifest().architecture(),
          settings.flipTta(), settings.smoke(), Runtime.getRuntime().availableProcessors(), loadStart, loadAverage(),
          startedAt, (System.nanoTime() - start) / 1e9, defaultBatchSize, inference, passThrough, endToEnd, max,
          latency, soak, burst, perRecord, List.of());
      BenchResult result = measured.withChecks(Targets.checks(measured));
      write(result);
      return result;
    }
  }

  private void write(BenchResult result) throws IOException {
    Files.createDirectories(settings.outDir());
    Path json = settings.outDir().resolve(RESULT_FILE);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result);
    List<Path> plots = BenchPlots.write(result, settings.outDir());
    out.println();
    out.printf(Locale.ROOT,
        "Targets (ratios measured in this run; load average %.1f at the start, %.1f at the end%s)%n",
        result.loadAverageStart(), result.loadAverageEnd(),
        settings.smoke() ? "; SMOKE RUN: too short to mean anything" : "");
    Targets.print(result.checks(), out);
    out.println();
    out.println("  result: " + json.toAbsolutePath());
    plots.forEach(plot -> out.println("  plot:   " + plot.toAbsolutePath()));
  }

  /** The latency's stages on one line, in the order a record goes through them. */
  static String stages(List<StageLatency.Stage> stages) {
    List<String> parts = new ArrayList<>();
    for (StageLatency.Stage stage : stages) {
      parts.add(String.format(Locale.ROOT, "%s %s / %s", stage.name(), millis(stage.p50Millis()),
          millis(stage.p99Millis())));
    }
    return String.join(", ", parts);
  }

  private static String seconds(List<Double> values) {
    List<String> parts = new ArrayList<>();
    for (double value : values) {
      parts.add(Double.isNaN(value) ? "not drained" : String.format(Locale.ROOT, "%.2f", value));
    }
    return String.join(", ", parts);
  }

  private static String millis(double value) {
    if (Double.isNaN(value)) {
      return "-";
    }
    return value < 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%,.0f", value);
  }

  private void step(String what) {
    out.println("- " + what);
    out.flush();
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
