package io.fashionclassifier.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.model.CalibrationFit;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.TestTimeAugmentation;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    LabelledImages validation = heldOut(data.train(), config.validationSize());
    int trainEnd = data.train().size() - validation.size();
    LabelledImages training = data.train().slice(0, config.limit() == 0 ? trainEnd : Math.min(config.limit(), trainEnd));
    log.info("Training {} on {} images, validating on {}, time budget {} s, {} schedule",
        config.architecture().id(), training.size(), validation.size(), config.timeBudget().toSeconds(),
        config.schedule().id());

    TestTimeAugmentation views = TestTimeAugmentation.flipOnly(config.flipAugmentation());
    int imagesToInfer = data.test().size() * views.viewCount()
        + (config.weightAverageDecay() > 0 ? 2 * validation.size() * views.viewCount() : 0);
    TrainingLoop.Outcome loop;
    WeightAverage.Choice averageChoice = null;
    Manifest manifest;
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Engine.getInstance().setRandomSeed((int) config.seed());
      model.setBlock(config.architecture().newBlock());
      loop = new TrainingLoop(config, console, clock, start, imagesToInfer).run(model, training, validation);
      if (loop.weightAverage() != null) {
        try (WeightAverage average = loop.weightAverage()) {
          averageChoice = keepTheBetter(model, average, validation, views);
        }
      }
      manifest = ModelBundle.save(outputDirectory, model.getBlock(), config.architecture(),
          config.flipAugmentation(), config.toMap(), null);
      calibrate(model, validation, views, outputDirectory);
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
        averageChoice, test, trainSeconds, loopSeconds, imagesPerSecond, cpuSeconds);
    TrainingReport.write(outputDirectory, report, data.test(), test);
    console.printf("%ntest accuracy %.4f (%s, flip TTA %s), %d epochs, %.0f s, %.0f images/s, CPU/wall %.2f%n",
        test.accuracy(), config.architecture().id(), manifest.flipTta(), loop.epochs().size(), trainSeconds,
        imagesPerSecond, cpuSeconds / trainSeconds);
    console.println("model bundle: " + outputDirectory.toAbsolutePath() + " (version " + manifest.version() + ")");
    console.flush();
    return new TrainingResult(outputDirectory, manifest, test.accuracy(), loop.bestValidationAccuracy(),
        loop.epochs(), trainSeconds);
  }

  /**
   * The validation images held out of {@code train}: its last {@code validationSize} images, at most half of it.
   * {@code evaluate --split validation} takes the same images from a bundle's recorded size.
   */
  public static LabelledImages heldOut(LabelledImages train, int validationSize) {
    int size = Math.min(validationSize, train.size() / 2);
    return train.slice(train.size() - size, train.size());
  }

  /**
   * Classifies the validation images with the trained parameters and with their moving average, the way the
   * bundle will predict, and leaves the better in {@code model} (the trained ones on a tie).
   */
  private WeightAverage.Choice keepTheBetter(Model model, WeightAverage average, LabelledImages validation,
      TestTimeAugmentation views) {
    if (average.average() == null) {
      console.println("weight average: training ended before the schedule's half, nothing was averaged");
      return new WeightAverage.Choice(average.decay(), 0, Double.NaN, Double.NaN, false);
    }
    double trained = validationAccuracy(model, validation, views);
    try (NDManager keep = model.getNDManager().newSubManager()) {
      List<NDArray> trainedParameters = BestSnapshot.snapshot(model, keep);
      BestSnapshot.restore(model, average.average());
      double averaged = validationAccuracy(model, validation, views);
      boolean kept = averaged > trained;
      if (!kept) {
        BestSnapshot.restore(model, trainedParameters);
      }
      console.printf("weight average over %d steps: validation accuracy %.4f against %.4f trained; keeping the %s%n",
          average.steps(), averaged, trained, kept ? "average" : "trained parameters");
      return new WeightAverage.Choice(average.decay(), average.steps(), trained, averaged, kept);
    }
  }

  /**
   * Fits the temperature and the model-health reference on the validation images, predicting as the bundle will,
   * and writes them into the bundle (docs/training.md, calibration.json).
   */
  private void calibrate(Model model, LabelledImages validation, TestTimeAugmentation views, Path directory) {
    Calibration calibration;
    try (BatchClassifier classifier = ModelBundle.classifierOf(model, views)) {
      calibration = CalibrationFit.fit(classifier, validation);
    }
    Calibration.write(directory, calibration);
    console.printf("calibration: temperature %.3f, estimated accuracy %.4f against %.4f measured on the %d "
            + "validation images%n", calibration.temperature(), calibration.reference().meanCalibratedConfidence(),
        calibration.reference().accuracy(), calibration.reference().images());
  }

  private static double validationAccuracy(Model model, LabelledImages validation, TestTimeAugmentation views) {
    try (BatchClassifier classifier = ModelBundle.classifierOf(model, views)) {
      return Evaluation.run(classifier, validation, FashionMnist.CLASS_NAMES).accuracy();
    }
  }

  private static long processCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }
}
