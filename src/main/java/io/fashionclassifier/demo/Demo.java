package io.fashionclassifier.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.scanner.ScanImage;
import io.fashionclassifier.scanner.ScannerSimulator;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.fashionclassifier.streaming.ClassifierApp;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.watch.TopicWatcher;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The whole system on one machine: the stream classifier, simulated scanners replaying images, and a
 * downstream reader measuring what comes out, with a live status line and a closing summary. The broker and
 * registry are given (see {@code local.LocalStack}), so the same run works against any cluster.
 */
public final class Demo {

  /**
   * How to run.
   *
   * @param scanning what the simulated scanners send, and to which topic
   * @param flipTta {@code bundle}, {@code true} or {@code false}: see {@link ClassifierConfig#flipTta()}
   * @param drainTimeout how long to wait, after the last send, for every record to come out
   */
  public record Settings(String bootstrapServers, String registryUrl, Path modelDir,
      ScannerSimulator.Options scanning, int batchSize, Duration maxBatchWait, String flipTta, Path reportDir,
      Duration drainTimeout) {}

  private final Settings settings;
  private final PrintStream out;
  private final boolean interactive;

  /**
   * @param out where the live line and the summary go
   * @param interactive redraw one live line in place (a terminal) rather than printing a line now and then
   */
  public Demo(Settings settings, PrintStream out, boolean interactive) {
    this.settings = settings;
    this.out = out;
    this.interactive = interactive;
  }

  /** Runs until every image has come out (or {@code stopped}), then prints and writes the summary. */
  public DemoSummary run(List<ScanImage> images, BooleanSupplier stopped) throws InterruptedException {
    String runId = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> overrides = new LinkedHashMap<>();
    overrides.put("bootstrap.servers", settings.bootstrapServers());
    overrides.put(ClassifierConfig.SCHEMA_REGISTRY_URL, settings.registryUrl());
    overrides.put("application.id", "fashion-demo-" + runId);
    overrides.put(ClassifierConfig.MODEL_DIR, settings.modelDir().toString());
    overrides.put(ClassifierConfig.TOPIC_INPUT, settings.scanning().topic());
    overrides.put(ClassifierConfig.BATCH_SIZE, Integer.toString(settings.batchSize()));
    overrides.put(ClassifierConfig.BATCH_MAX_WAIT_MS, Long.toString(settings.maxBatchWait().toMillis()));
    overrides.put(ClassifierConfig.MODEL_FLIP_TTA, settings.flipTta());
    overrides.put(ClassifierConfig.HTTP_PORT, "0");
    overrides.put(ClassifierConfig.TOPICS_PARTITIONS, "2");
    Path stateDir = tempDir("fashion-demo-state-");
    overrides.put("state.dir", stateDir.toString());
    try {
      return run(ClassifierConfig.of(overrides), images, stopped);
    } finally {
      deleteRecursively(stateDir);
    }
  }

  private DemoSummary run(ClassifierConfig config, List<ScanImage> images, BooleanSupplier stopped)
      throws InterruptedException {

    DemoStats stats = new DemoStats();
    AtomicLong sent = new AtomicLong();
    try (ModelBundle bundle = ModelBundle.load(settings.modelDir());
        ClassifierApp app = ClassifierApp.start(config, ClassifierApp.classifiers(bundle, config))) {
      awaitRunning(app, stopped);
      try (OutputReader reader = new OutputReader(config.clientConfig(), config.serdeConfig(),
              new TopicWatcher.Topics(config.classifiedTopic(), config.aggregatesTopic(), config.deadLetterTopic()),
              stats);
          KafkaProducer<String, byte[]> producer =
              ScannerSimulator.producer(config.clientConfig(), "fashion-demo-scanners");
          SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>()) {
        serializer.configure(config.serdeConfig(), false);
        ScannerSimulator scanners = new ScannerSimulator(producer, serializer, settings.scanning());

        Thread live = new Thread(() -> showLive(stats, sent, stopped), "demo-live-view");
        live.setDaemon(true);
        live.start();
        ScannerSimulator.Summary scan = scanners.run(images, stopped, sent::set);

        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (!stopped.getAsBoolean() && reader.failure() == null
            && stats.items() + stats.deadLetters() < scan.sent() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        // the aggregates trail the items by at most one commit
        while (!stopped.getAsBoolean() && !aggregatesCaughtUp(reader, stats) && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        live.interrupt();
        live.join(1000);
        if (interactive) {
          out.println();
        }
        if (reader.failure() != null) {
          throw new IllegalStateException("reading the outputs failed: " + reader.failure().getMessage(),
              reader.failure());
        }
        DemoSummary summary = DemoSummary.of(scan, stats, reader::cumulative, bundle.version(),
            !stopped.getAsBoolean() && stats.items() + stats.deadLetters() >= scan.sent(),
            DemoSummary.Inference.of(app.registry()));
        write(summary);
        summary.print(out, settings.reportDir());
        return summary;
      }
    }
  }

  private static boolean aggregatesCaughtUp(OutputReader reader, DemoStats stats) {
    AccuracyAggregate overall = reader.cumulative(AggregateScope.OVERALL, "all");
    return overall != null && overall.getSeen() >= stats.items();
  }

  private void awaitRunning(ClassifierApp app, BooleanSupplier stopped) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (app.state() != KafkaStreams.State.RUNNING) {
      if (stopped.getAsBoolean() || !app.state().isRunningOrRebalancing() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the stream classifier did not reach RUNNING (state " + app.state() + ")");
      }
      Thread.sleep(50);
    }
  }

  private void showLive(DemoStats stats, AtomicLong sent, BooleanSupplier stopped) {
    long every = interactive ? 250 : 2000;
    while (!Thread.currentThread().isInterrupted() && !stopped.getAsBoolean()) {
      String line = stats.liveLine(sent.get());
      if (interactive) {
        out.print("\r" + line);
      } else {
        out.println(line);
      }
      out.flush();
      try {
        Thread.sleep(every);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void write(DemoSummary summary) {
    try {
      Files.createDirectories(settings.reportDir());
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(settings.reportDir().resolve("summary.json").toFile(), summary);
      try (PrintStream md = new PrintStream(settings.reportDir().resolve("summary.md").toFile(), "UTF-8")) {
        md.println("# fashion-classifier demo summary");
        md.println();
        md.println("```");
        summary.print(md, settings.reportDir());
        md.println("```");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo report to " + settings.reportDir(), e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is not worth failing the demo for
    }
  }

  private static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Display names, in label order, for the summary. */
  static String className(int label) {
    return FashionMnist.CLASS_NAMES.get(label);
  }

  static String percent(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * value);
  }
}
