package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.demo.Demo;
import io.fashionclassifier.local.LocalStack;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.scanner.ScanImage;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.training.BundleTrainer;
import io.fashionclassifier.training.TrainingConfig;
import io.fashionclassifier.training.TrainingResult;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The whole system in one command, on a machine without Docker or a Kafka cluster. */
@Command(name = "demo", header = "Run the whole system locally on Fashion-MNIST, with a live view.", mixinStandardHelpOptions = true,
    description = "Start a local broker and registry, train a model if needed, run the stream classifier and "
        + "replay the Fashion-MNIST test images through simulated scanners, with a live view and a summary.")
final class DemoCommand implements Callable<Integer> {

  static final String LOG_FILE = "demo.log";

  /** A quick model that still beats the reference MLP; --full-training gives the default one. */
  static final Duration QUICK_TRAINING = Duration.ofSeconds(100);

  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "DIR", defaultValue = "models/demo",
      description = "Model bundle to use; trained there first when it holds none (default ${DEFAULT-VALUE}).")
  Path modelDir;

  @Option(names = "--full-training",
      description = "When training, train the default model (time budget ${bundle:train.time-budget}) instead of the "
          + "quick one (${bundle:demo.quick-training}).")
  boolean fullTraining;

  @Mixin DatasetOption dataset;

  @Mixin ScanOptions sending;

  @Option(names = "--batch-size", defaultValue = "64", description = "Micro-batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--max-wait", defaultValue = "10ms", converter = DurationConverter.class,
      description = "Longest a record waits for its batch to fill (default ${DEFAULT-VALUE}).")
  Duration maxWait;

  @Mixin FlipTtaOption flipTta;

  @Option(names = "--registry", defaultValue = "auto",
      description = "Schema registry: auto (Apicurio when it can run here, else in-process), apicurio, or mock "
          + "(default ${DEFAULT-VALUE}).")
  String registry;

  @Option(names = "--report", paramLabel = "DIR", defaultValue = "demo-report",
      description = "Where the summary and the log (" + LOG_FILE + ") are written (default ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(names = "--verbose",
      description = "Show the log of the broker, Kafka Streams and the classifier on the terminal too.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    LocalBroker.require("demo");
    if (!List.of("auto", "apicurio", "mock").contains(registry)) {
      throw new UserError("--registry must be auto, apicurio or mock, not '" + registry + "'");
    }
    String flip = flipTta.value();
    // live line and summary are user output: straight to stdout; logs go to the report (and stderr if --verbose)
    PrintStream out = System.out;
    try (ReportLog log = ReportLog.toReport(reportDir, LOG_FILE, verbose)) {
      return run(flip, out);
    }
  }

  private int run(String flip, PrintStream out) throws Exception {
    FashionMnist data = dataset.load();
    ensureModel(data, out);

    try (StopSignal stop = StopSignal.install("demo")) {
      out.println("starting a Kafka broker" + (registry.equals("mock") ? "" : " and a schema registry") + " ...");
      try (LocalStack stack = LocalStack.start(!registry.equals("mock"))) {
        String registryUrl = stack.registryUrl().orElse(null);
        if (registryUrl == null) {
          if (registry.equals("apicurio")) {
            throw new UserError("the Apicurio registry could not be started: " + stack.registryNote());
          }
          registryUrl = "mock://demo-" + UUID.randomUUID();
          out.println("schema registry: in-process mock (" + stack.registryNote() + ")");
        } else {
          out.println("schema registry: " + registryUrl + " (Apicurio, Confluent-compatible API)");
        }
        out.println("kafka broker:    " + stack.bootstrapServers());
        Demo.Settings settings = new Demo.Settings(stack.bootstrapServers(), registryUrl, modelDir,
            sending.toOptions(ClassifierConfig.defaults().get(ClassifierConfig.TOPIC_INPUT), 0.005), batchSize, maxWait,
            flip, reportDir, Duration.ofMinutes(2));
        List<ScanImage> images = ScanCommand.scanImages(data.test());
        new Demo(settings, out, System.console() != null).run(images, stop::requested);
        if (!verbose) {
          out.println("  log:    " + reportDir.resolve(LOG_FILE).toAbsolutePath() + " (--verbose shows it here)");
        }
      }
      return stop.requested() ? 130 : 0;
    }
  }

  private void ensureModel(FashionMnist data, PrintStream out) {
    if (Files.exists(modelDir.resolve(ModelBundle.MANIFEST_FILE))) {
      try (ModelBundle bundle = ModelBundle.load(modelDir)) {
        out.printf(Locale.ROOT, "model: %s (version %s)%n", modelDir, bundle.version());
      } catch (RuntimeException e) {
        throw new UserError("cannot use the model in " + modelDir + ": " + e.getMessage()
            + " (delete it to train a new one, or pass --model)", e);
      }
      return;
    }
    TrainingConfig config = TrainingConfig.defaults(Architecture.CNN);
    if (!fullTraining) {
      config = config.withTimeBudget(QUICK_TRAINING);
    }
    out.printf(Locale.ROOT, "no model in %s: training one (%s, about %d s; --full-training for the best one)%n",
        modelDir, config.architecture(), config.timeBudget().toSeconds());
    TrainingResult result = new BundleTrainer(config, out).train(data, modelDir);
    out.printf(Locale.ROOT, "trained: test accuracy %.2f%%%n", 100 * result.testAccuracy());
  }
}
