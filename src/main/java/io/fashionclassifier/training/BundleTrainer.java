package io.fashionclassifier.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a network on Fashion-MNIST and writes a model bundle with its report:
 *
 * <pre>{@code
 * TrainingResult result = new BundleTrainer(TrainingConfig.defaults(Architecture.MLP).withEpochs(1).withLimit(5_000))
 *     .train(FashionMnist.load(null), Path.of("target/quick-model"));
 * }</pre>
 *
 * <p>The last {@code validationSize} of the 60,000 training images are held out to pick the best epoch; the
 * 10,000 test images are used once, at the end, through the saved bundle's {@link BatchClassifier}. The
 * training itself is a {@link TrainingLoop}.
 */
public final class BundleTrainer {

  private static final Logger log = LoggerFactory.getLogger(BundleTrainer.class);

  private final TrainingConfig config;
  private final PrintStream console;
  private final LongSupplier clock;

  public BundleTrainer(TrainingConfig config) {
    this(config, System.out);
  }

  /** {@code console} receives the progress bars and the per-epoch summary lines. */
  public BundleTrainer(TrainingConfig config, PrintStream console) {
    this(config, console, System::nanoTime);
  }

  /** {@code clock} (nanoseconds) drives the time budget and the timings. */
  BundleTrainer(TrainingConfig config, PrintStream console, LongSupplier clock) {
    this.config = config;
    this.console = console;
    this.clock = clock;
  }

  /** Trains, writes the bundle, report and plots into {@code outputDirectory}, and evaluates on the test set. */
  public TrainingResult train(FashionMnist data, Path outputDirectory) {
    long start = clock.getAsLong();
    long cpuStart = processCpuNanos();
    int validationSize = Math.min(config.validationSize(), data.train().size() / 2);
    int trainEnd = data.train().size() - validationSize;
    LabelledImages validation = data.train().slice(trainEnd, data.train().size());
    LabelledImages training = data.train().slice(0, config.limit() == 0 ? trainEnd : Math.min(config.limit(), trainEnd));
    log.info("Training {} on {} images, validating on {}, time budget {} s, {} schedule",
        config.architecture().id(), training.size(), validation.size(), config.timeBudget().toSeconds(),
        config.schedule().id());

    int testImages = data.test().size() * (config.flipAugmentation() ? 2 : 1);
    TrainingLoop.Outcome loop;
    Manifest manifest;
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Engine.getInstance().setRandomSeed((int) config.seed());
      model.setBlock(config.architecture().newBlock());
      loop = new TrainingLoop(config, console, clock, start, testImages).run(model, training, validation);
      manifest = ModelBundle.save(outputDirectory, model.getBlock(), config.architecture(),
          config.flipAugmentation(), config.toMap(), null);
    }
    double loopSeconds = loop.trainingNanos() / 1e9;
    double imagesPerSecond = loopSeconds > 0 ? loop.imagesSeen() / loopSeconds : 0;

    Evaluation test;
    try (ModelBundle bundle = ModelBundle.load(outputDirectory);
        BatchClassifier classifier = bundle.newClassifier()) {
      test = Evaluation.run(classifier, data.test(), bundle.manifest().classNames());
    }
    manifest = manifest.withTestAccuracy(test.accuracy());
    ModelBundle.writeManifest(outputDirectory, manifest);
    double trainSeconds = (clock.getAsLong() - start) / 1e9;
    double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;

    TrainingReport report = TrainingReport.of(manifest, config, loop.epochs(), loop.bestEpoch(), loop.stoppedBy(),
        test, trainSeconds, loopSeconds, imagesPerSecond, cpuSeconds);
    TrainingReport.write(outputDirectory, report, data.test(), test);
    console.printf("%ntest accuracy %.4f (%s, flip TTA %s), %d epochs, %.0f s, %.0f images/s, CPU/wall %.2f%n",
        test.accuracy(), config.architecture().id(), manifest.flipTta(), loop.epochs().size(), trainSeconds,
        imagesPerSecond, cpuSeconds / trainSeconds);
    console.println("model bundle: " + outputDirectory.toAbsolutePath() + " (version " + manifest.version() + ")");
    console.flush();
    return new TrainingResult(outputDirectory, manifest, test.accuracy(), loop.bestValidationAccuracy(),
        loop.epochs(), trainSeconds);
  }

  private static long processCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }
}
