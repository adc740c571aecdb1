package io.fashionclassifier.bench;

import io.fashionclassifier.demo.DemoStats;
import io.fashionclassifier.demo.DemoSummary;
import io.fashionclassifier.scanner.ScannerSimulator;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.streaming.ClassifierApp;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.watch.TopicWatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One run of the real stream classifier ({@link ClassifierApp}) on fresh topics, measured from outside as a
 * downstream {@code read_committed} consumer sees it: either at saturation (every record in the input topic before
 * the classifier starts) or at a given send rate (latency from capture to visibility).
 */
final class PipelineRun {

  /** Percentiles at which the latency distribution is kept for the CDF plot. */
  private static final double[] CDF_PERCENTILES = {1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9,
      100};

  /**
   * @param settings the classifier settings that define this run
   * @param ratePerSecond the send rate, or 0 for a run at saturation
   * @param itemsPerSecond classified items per second after the start-up ramp ({@link Arrivals#RAMP})
   * @param complete whether every sent record came out before the run's limit
   * @param latencyItems items whose latency was counted (those captured after the warm-up)
   * @param batchedP50Millis median time from capture to the stream thread's clock when the item's batch went
   *     to the model ({@code classifiedTime}); the rest of the latency is the model call, the commit and the fetch
   * @param batchedP99Millis 99th percentile of the same
   * @param latencyCdf [latency ms, percentile] pairs
   * @param modelSeconds time in the model's calls over the span of {@code cpu}
   * @param modelImagesPerSecond images per second inside the model calls, from the classifier's own metrics
   * @param cpu where the CPU went from RUNNING to the last output
   * @param stages where the latency went, stage by stage, for the items counted after the warm-up
   */
  record Result(String name, Map<String, String> settings, double ratePerSecond, long sent, long classified,
      long deadLetters, boolean complete, double itemsPerSecond, double seconds,
      long latencyItems, long latencyP50Millis, long latencyP90Millis, long latencyP99Millis,
      long batchedP50Millis, long batchedP99Millis, List<double[]> latencyCdf, long batches, double meanBatchSize,
      double modelSeconds, double modelImagesPerSecond, CpuTime.Split cpu, List<StageLatency.Stage> stages) {}

  private PipelineRun() {}

  /** At saturation: {@code records} records wait in the input topic, then the classifier starts. */
  static Result saturated(Workbench bench, String name, Map<String, String> settings, long records, Duration limit)
      throws InterruptedException {
    return run(bench, name, settings, records, 0, limit, Duration.ZERO, null, NOTHING);
  }

  /** At {@code rate} records per second for {@code duration}, latency counted after {@code warmUp}. */
  static Result paced(Workbench bench, String name, Map<String, String> settings, double rate, Duration duration,
      Duration warmUp) throws InterruptedException {
    long records = Math.max(10, (long) (rate * duration.toMillis() / 1000));
    return run(bench, name, settings, records, rate, duration.plusSeconds(30), warmUp,
        topic -> bench.send(topic, records, rate).sent(), NOTHING);
  }

  /**
   * Sends with {@code load} once the classifier runs, telling {@code watcher} of every item seen; the result's
   * rate is the mean rate of the load.
   */
  static Result loaded(Workbench bench, String name, Map<String, String> settings, Load load, Duration limit,
      Duration warmUp, ItemSeen watcher) throws InterruptedException {
    return run(bench, name, settings, load.records(), load.meanRate(), limit, warmUp, load::send, watcher);
  }

  /** A send schedule, run on the calling thread once the classifier runs. */
  interface Load {
    long records();

    double meanRate();

    /** Sends to {@code topic} and returns how many were sent. */
    long send(String topic);
  }

  private static final ItemSeen NOTHING = (item, seenAt, seenNanos) -> { };

  /** @param sender null: {@code records} fill the input topic before the classifier starts (saturation) */
  private static Result run(Workbench bench, String name, Map<String, String> settings, long records, double rate,
      Duration limit, Duration warmUp, ToLongFunction<String> sender, ItemSeen watcher) throws InterruptedException {
    String prefix = "bench-" + bench.runId() + "-" + name;
    Path stateDir = Workbench.tempDir("fashion-bench-state-");
    Map<String, String> overrides = new LinkedHashMap<>(bench.classifierSettings());
    overrides.put("bootstrap.servers", bench.bootstrapServers());
    overrides.put(ClassifierConfig.SCHEMA_REGISTRY_URL, bench.registryUrl());
    overrides.put("application.id", prefix);
    overrides.put("state.dir", stateDir.toString());
    overrides.put(ClassifierConfig.MODEL_DIR, bench.modelDir().toString());
    overrides.put(ClassifierConfig.MODEL_FLIP_TTA, bench.flipTta());
    overrides.put(ClassifierConfig.TOPIC_INPUT, prefix + "-images");
    overrides.put(ClassifierConfig.TOPIC_CLASSIFIED, prefix + "-items");
    overrides.put(ClassifierConfig.TOPIC_AGGREGATES, prefix + "-aggregates");
    overrides.put(ClassifierConfig.TOPIC_DLQ, prefix + "-dlq");
    overrides.put(ClassifierConfig.TOPICS_PARTITIONS, Integer.toString(bench.partitions()));
    overrides.put(ClassifierConfig.HTTP_PORT, "0");
    overrides.putAll(settings);
    ClassifierConfig config = ClassifierConfig.of(overrides);

    try {
      bench.createTopics(List.of(config.inputTopic()));
      long sent = sender != null ? 0 : bench.send(config.inputTopic(), records, 0).sent();
      DemoStats stats = new DemoStats();
      Arrivals arrivals = new Arrivals();
      AtomicLong deadLetters = new AtomicLong();
      try (ClassifierApp app = ClassifierApp.start(config, bench.classifiers())) {
        awaitRunning(app, bench);
        StageLatency stages = new StageLatency(app.registry());
        app.onCommit(stages::committed);
        long running = System.nanoTime();
        CpuTime cpuAtStart = CpuTime.now();
        // a task that has nothing to restore classifies before the client reports RUNNING: the model's share of
        // the wall time is taken over the same span as the CPU's
        double modelAtStart = DemoSummary.Inference.of(app.registry()).seconds();
        CpuTime cpuAtEnd;
        double modelAtEnd;
        long countFrom = Instant.now().plus(warmUp).toEpochMilli();
        // at the end of the warm-up itself, not when the send returns: by then the classifier may have read every
        // record, and the stages it had measured would all fall in the warm-up's share
        CompletableFuture.delayedExecutor(warmUp.toMillis(), TimeUnit.MILLISECONDS).execute(stages::startCounting);
        try (Reader reader = new Reader(config, (item, seenAt, seenNanos) -> {
          arrivals.add(seenNanos);
          watcher.accept(item, seenAt, seenNanos);
          if (item.getCaptureTime().toEpochMilli() >= countFrom) {
            stats.item(item, seenAt, seenNanos);
            stages.seen(item.getClassifiedTime().toEpochMilli(), seenAt.toEpochMilli());
          }
        }, deadLetters)) {
          long deadline = System.nanoTime() + limit.toNanos();
          if (sender != null) {
            sent = sender.applyAsLong(config.inputTopic());
          }
          while (!bench.stopped().getAsBoolean() && reader.failure() == null
              && arrivals.count() + deadLetters.get() < sent && System.nanoTime() < deadline) {
            Thread.sleep(20);
          }
          cpuAtEnd = CpuTime.now();
          modelAtEnd = DemoSummary.Inference.of(app.registry()).seconds();
          if (reader.failure() != null) {
            throw new IllegalStateException("reading the outputs of " + name + " failed: "
                + reader.failure().getMessage(), reader.failure());
          }
        }
        DemoSummary.Inference inference = DemoSummary.Inference.of(app.registry());
        return new Result(name, Map.copyOf(settings), rate, sent, arrivals.count(), deadLetters.get(),
            arrivals.count() + deadLetters.get() >= sent, arrivals.steadyRate(running), arrivals.seconds(),
            stats.items(), stats.latencyPercentile(50), stats.latencyPercentile(90), stats.latencyPercentile(99),
            stats.batchedPercentile(50), stats.batchedPercentile(99), cdf(stats.latencyHistogram()),
            inference.batches(), inference.meanBatchSize(), modelAtEnd - modelAtStart, inference.imagesPerSecond(),
            cpuAtEnd.since(cpuAtStart), stages.stages());
      }
    } finally {
      Workbench.deleteRecursively(stateDir);
    }
  }

  private static List<double[]> cdf(Histogram histogram) {
    List<double[]> points = new ArrayList<>();
    if (histogram.getTotalCount() == 0) {
      return points;
    }
    for (double percentile : CDF_PERCENTILES) {
      points.add(new double[] {histogram.getValueAtPercentile(percentile), percentile});
    }
    return points;
  }

  private static void awaitRunning(ClassifierApp app, Workbench bench) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (app.state() != KafkaStreams.State.RUNNING) {
      if (bench.stopped().getAsBoolean() || !app.state().isRunningOrRebalancing() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the stream classifier did not reach RUNNING (state " + app.state() + ")");
      }
      Thread.sleep(20);
    }
  }

  /** Receives each classified item as it becomes visible. */
  @FunctionalInterface
  interface ItemSeen {
    void accept(ClassifiedItem item, Instant seenAt, long seenNanos);
  }

  /** Follows the outputs on its own thread, as a read_committed consumer. */
  static final class Reader implements AutoCloseable {
    private final TopicWatcher watcher;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;

    Reader(ClassifierConfig config, ItemSeen items, AtomicLong deadLetters) {
      Map<String, Object> props = new LinkedHashMap<>(config.clientConfig());
      props.put("client.id", "bench-reader");
      watcher = new TopicWatcher(props, config.serdeConfig(),
          new TopicWatcher.Topics(config.classifiedTopic(), config.aggregatesTopic(), config.deadLetterTopic()), true);
      TopicWatcher.Listener listener = new TopicWatcher.Listener() {
        @Override
        public void item(ConsumerRecord<String, byte[]> raw, ClassifiedItem item) {
          items.accept(item, Instant.now(), System.nanoTime());
        }

        @Override
        public void aggregate(ConsumerRecord<String, byte[]> raw, AccuracyAggregate aggregate) {}

        @Override
        public void deadLetter(ConsumerRecord<String, byte[]> raw) {
          deadLetters.incrementAndGet();
        }
      };
      thread = new Thread(() -> {
        try {
          watcher.run(listener, () -> !running.get(), Duration.ofDays(1), () -> { });
        } catch (org.apache.kafka.common.errors.WakeupException e) {
          // closing
        } catch (Exception e) {
          failure.set(e);
        }
      }, "bench-output-reader");
      thread.setDaemon(true);
      thread.start();
    }

    Exception failure() {
      return failure.get();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      watcher.wakeup();
      thread.join(10_000);
      watcher.close();
    }
  }
}
