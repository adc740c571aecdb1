package io.fashionclassifier.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a network on Fashion-MNIST and writes a model bundle with its report:
 *
 * <pre>{@code
 * TrainingResult result = new Trainer(TrainingConfig.defaults(Architecture.MLP).withEpochs(1).withLimit(5_000))
 *     .train(FashionMnist.load(null), Path.of("target/quick-model"));
 * }</pre>
 *
 * <p>The last {@code validationSize} of the 60,000 training images are held out to pick the best epoch; the
 * 10,000 test images are used once, at the end, through the saved bundle's {@link BatchClassifier}.
 */
public final class Trainer {

  private static final Logger log = LoggerFactory.getLogger(Trainer.class);
  private static final int PIXELS = FashionMnist.PIXELS;
  private static final int SIDE = FashionMnist.COLUMNS;
  // Keeps activations under glibc's mmap threshold: see BundleClassifier.
  private static final int VALIDATION_BATCH = 128;
  /** Steps over which the current training speed is measured. */
  private static final int RESERVE_WINDOW = 50;

  private final TrainingConfig config;
  private final PrintStream console;
  private final float[] byteToInput = new float[256];

  public Trainer(TrainingConfig config) {
    this(config, System.out);
  }

  /** {@code console} receives the progress bars and the per-epoch summary lines. */
  public Trainer(TrainingConfig config, PrintStream console) {
    this.config = config;
    this.console = console;
    Manifest.Normalization normalization = Manifest.Normalization.FASHION_MNIST;
    for (int value = 0; value < 256; value++) {
      byteToInput[value] = (value / 255f - normalization.mean()) / normalization.std();
    }
  }

  /** Trains, writes the bundle, report and plots into {@code outputDirectory}, and evaluates on the test set. */
  public TrainingResult train(FashionMnist data, Path outputDirectory) {
    long start = System.nanoTime();
    long cpuStart = processCpuNanos();
    int validationSize = Math.min(config.validationSize(), data.train().size() / 2);
    int trainEnd = data.train().size() - validationSize;
    LabelledImages validation = data.train().slice(trainEnd, data.train().size());
    LabelledImages training = data.train().slice(0, config.limit() == 0 ? trainEnd : Math.min(config.limit(), trainEnd));
    log.info("Training {} on {} images, validating on {}, time budget {} s",
        config.architecture().id(), training.size(), validation.size(), config.timeBudget().toSeconds());

    Loop loop = new Loop(start, data.test().size());
    Manifest manifest;
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Engine.getInstance().setRandomSeed((int) config.seed());
      model.setBlock(config.architecture().newBlock());
      loop.run(model, training, validation);
      manifest = ModelBundle.save(outputDirectory, model.getBlock(), config.architecture(),
          config.flipAugmentation(), config.toMap(), null);
    }
    double loopSeconds = loop.trainingNanos / 1e9;

    Evaluation test;
    try (ModelBundle bundle = ModelBundle.load(outputDirectory);
        BatchClassifier classifier = bundle.newClassifier()) {
      test = Evaluation.run(classifier, data.test(), bundle.manifest().classNames());
    }
    manifest = manifest.withTestAccuracy(test.accuracy());
    ModelBundle.writeManifest(outputDirectory, manifest);
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;

    TrainingReport report = TrainingReport.of(manifest, config, loop.epochs, loop.bestEpoch, loop.stoppedBy, test,
        trainSeconds, loopSeconds, loop.imagesSeen / loopSeconds, cpuSeconds);
    TrainingReport.write(outputDirectory, report, data.test(), test);
    console.printf("%ntest accuracy %.4f (%s, flip TTA %s), %d epochs, %.0f s, %.0f images/s, CPU/wall %.2f%n",
        test.accuracy(), config.architecture().id(), manifest.flipTta(), loop.epochs.size(), trainSeconds,
        loop.imagesSeen / loopSeconds, cpuSeconds / trainSeconds);
    console.println("model bundle: " + outputDirectory.toAbsolutePath() + " (version " + manifest.version() + ")");
    console.flush();
    return new TrainingResult(outputDirectory, manifest, test.accuracy(), loop.bestValidationAccuracy, loop.epochs,
        trainSeconds);
  }

  /** The training loop's state: statistics of the epochs so far and the best parameters seen. */
  private final class Loop {
    final List<EpochStats> epochs = new ArrayList<>();
    int bestEpoch;
    double bestValidationAccuracy = -1;
    String stoppedBy = "epochs";
    long trainingNanos;
    long imagesSeen;
    private final long start;
    private final int testSize;
    private long deadline;

    Loop(long start, int testSize) {
      this.start = start;
      this.testSize = testSize;
      this.deadline = start + config.timeBudget().minus(config.evaluationReserve()).toNanos();
    }

    /**
     * Keeps enough of the budget for the last validation and the final evaluation (test images, twice with
     * flip TTA). A fixed reserve is not enough on a busy machine, so the time is estimated from the speed this
     * machine has now: a forward pass costs well under half a training step per image (recent steps), and
     * validation passes are measured directly. The latest estimate wins, so a passing slowdown does not cut
     * the run short for good.
     */
    private void reserveTimeForEvaluation(double nanosPerImage, int validationSize) {
      double images = validationSize + (double) testSize * (config.flipAugmentation() ? 2 : 1);
      long estimate = (long) (1.3 * nanosPerImage * images) + 4_000_000_000L;
      long reserve = Math.max(config.evaluationReserve().toNanos(), estimate);
      deadline = start + config.timeBudget().toNanos() - reserve;
    }

    void run(Model model, LabelledImages training, LabelledImages validation) {
      LearningRateSchedule schedule = config.architecture() == Architecture.CNN
          ? LearningRateSchedule.warmUpCosine(config.learningRate())
          : LearningRateSchedule.constant(config.learningRate());
      DefaultTrainingConfig trainingConfig = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
          .optOptimizer(optimizer(schedule))
          .optDevices(new Device[] {Device.cpu()});
      int batchSize = Math.min(config.batchSize(), training.size());
      int stepsPerEpoch = training.size() / batchSize;
      long totalSteps = (long) stepsPerEpoch * config.epochs();
      Random random = new Random(config.seed());
      int[] order = new int[training.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      float[] images = new float[batchSize * PIXELS];
      float[] labels = new float[batchSize];
      long step = 0;
      double progress = 0;
      try (ai.djl.training.Trainer trainer = model.newTrainer(trainingConfig);
          NDManager bestManager = model.getNDManager().newSubManager()) {
        trainer.initialize(new Shape(batchSize, 1, SIDE, SIDE));
        List<NDArray> best = null;
        int epochsWithoutImprovement = 0;
        boolean outOfTime = false;
        for (int epoch = 1; epoch <= config.epochs() && !outOfTime; epoch++) {
          shuffle(order, random);
          double lossSum = 0;
          long correct = 0;
          int seen = 0;
          long epochStart = System.nanoTime();
          long windowStart = epochStart;
          int windowSteps = 0;
          try (ProgressBar bar = progressBar(epoch, (long) stepsPerEpoch * batchSize)) {
            fillBatch(training, order, 0, batchSize, images, labels, random);
            for (int s = 0; s < stepsPerEpoch; s++) {
              long now = System.nanoTime();
              if (now >= deadline) {
                outOfTime = true;
                stoppedBy = "time budget";
                break;
              }
              // never backwards: the deadline moves with the measured speed
              progress = Math.max(progress,
                  Math.max((double) (now - start) / (deadline - start), (double) step / totalSteps));
              schedule.setProgress(progress);
              try (NDManager batch = trainer.getManager().newSubManager()) {
                NDArray x = batch.create(images, new Shape(batchSize, 1, SIDE, SIDE));
                NDArray y = batch.create(labels, new Shape(batchSize));
                NDArray logits;
                NDArray loss;
                try (GradientCollector collector = trainer.newGradientCollector()) {
                  logits = trainer.forward(new NDList(x)).singletonOrThrow();
                  loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                  collector.backward(loss);
                }
                trainer.step();
                NDArray hits = logits.argMax(1).toType(DataType.FLOAT32, false).eq(y).sum().toType(DataType.FLOAT32, false);
                // Build the next batch in Java while the engine still computes this one.
                if (s + 1 < stepsPerEpoch) {
                  fillBatch(training, order, (s + 1) * batchSize, batchSize, images, labels, random);
                }
                lossSum += loss.getFloat() * batchSize;
                correct += (long) hits.getFloat();
              }
              seen += batchSize;
              step++;
              if (++windowSteps == RESERVE_WINDOW) {
                long windowEnd = System.nanoTime();
                reserveTimeForEvaluation((windowEnd - windowStart) / 2.5 / (RESERVE_WINDOW * batchSize),
                    validation.size());
                windowStart = windowEnd;
                windowSteps = 0;
              }
              if (bar != null) {
                bar.stepBy(batchSize);
                bar.setExtraMessage(String.format(" loss %.4f acc %.4f lr %.4f",
                    lossSum / seen, (double) correct / seen, schedule.current()));
              }
            }
          }
          long epochNanos = System.nanoTime() - epochStart;
          trainingNanos += epochNanos;
          imagesSeen += seen;
          if (seen == 0) {
            break;
          }
          long validationStart = System.nanoTime();
          double[] validationResult = validate(trainer, validation);
          reserveTimeForEvaluation((double) (System.nanoTime() - validationStart) / validation.size(),
              validation.size());
          EpochStats stats = new EpochStats(epoch, seen, lossSum / seen, (double) correct / seen,
              validationResult[0], validationResult[1], schedule.current(), epochNanos / 1e9,
              seen / (epochNanos / 1e9));
          epochs.add(stats);
          console.printf("epoch %d: train loss %.4f acc %.4f | validation loss %.4f acc %.4f | %.0f images/s%n",
              epoch, stats.trainLoss(), stats.trainAccuracy(), stats.validationLoss(), stats.validationAccuracy(),
              stats.imagesPerSecond());
          console.flush();
          if (stats.validationAccuracy() > bestValidationAccuracy) {
            bestValidationAccuracy = stats.validationAccuracy();
            bestEpoch = epoch;
            epochsWithoutImprovement = 0;
            if (best != null) {
              best.forEach(NDArray::close);
            }
            best = snapshot(model, bestManager);
          } else if (++epochsWithoutImprovement >= config.patience()) {
            stoppedBy = "early stopping";
            break;
          }
        }
        if (best != null && bestEpoch != epochs.size()) {
          log.info("Restoring the parameters of epoch {} (best validation accuracy {})", bestEpoch,
              bestValidationAccuracy);
          restore(model, best);
        }
      }
    }
  }

  private Optimizer optimizer(LearningRateSchedule schedule) {
    return switch (config.architecture()) {
      case CNN -> Optimizer.nag()
          .setLearningRateTracker(schedule)
          .setMomentum(0.9f)
          .optWeightDecays(config.weightDecay())
          .build();
      case MLP -> Optimizer.adam()
          .optLearningRateTracker(schedule)
          .optWeightDecays(config.weightDecay())
          .build();
    };
  }

  /** Loss and accuracy on the validation images, in inference mode (no dropout, batch norm running stats). */
  private double[] validate(ai.djl.training.Trainer trainer, LabelledImages validation) {
    double lossSum = 0;
    long correct = 0;
    byte[] pixels = validation.pixels();
    for (int from = 0; from < validation.size(); from += VALIDATION_BATCH) {
      int count = Math.min(VALIDATION_BATCH, validation.size() - from);
      float[] images = new float[count * PIXELS];
      float[] labels = new float[count];
      for (int i = 0; i < count; i++) {
        int base = (from + i) * PIXELS;
        for (int p = 0; p < PIXELS; p++) {
          images[i * PIXELS + p] = byteToInput[pixels[base + p] & 0xff];
        }
        labels[i] = validation.label(from + i);
      }
      try (NDManager batch = trainer.getManager().newSubManager()) {
        NDArray y = batch.create(labels, new Shape(count));
        NDArray logits = trainer.evaluate(new NDList(batch.create(images, new Shape(count, 1, SIDE, SIDE))))
            .singletonOrThrow();
        lossSum += trainer.getLoss().evaluate(new NDList(y), new NDList(logits)).getFloat() * count;
        correct += (long) logits.argMax(1).toType(DataType.FLOAT32, false).eq(y).sum().toType(DataType.FLOAT32, false).getFloat();
      }
    }
    return new double[] {lossSum / validation.size(), (double) correct / validation.size()};
  }

  /** Copies the normalised batch {@code order[from, from + count)} into {@code images}, mirrored at random. */
  private void fillBatch(LabelledImages data, int[] order, int from, int count, float[] images, float[] labels,
      Random random) {
    byte[] pixels = data.pixels();
    for (int i = 0; i < count; i++) {
      int index = order[from + i];
      int source = index * PIXELS;
      int target = i * PIXELS;
      boolean mirror = config.flipAugmentation() && random.nextBoolean();
      for (int row = 0; row < SIDE; row++) {
        int rowStart = source + row * SIDE;
        for (int column = 0; column < SIDE; column++) {
          int sourceColumn = mirror ? SIDE - 1 - column : column;
          images[target + row * SIDE + column] = byteToInput[pixels[rowStart + sourceColumn] & 0xff];
        }
      }
      labels[i] = data.label(index);
    }
  }

  private ProgressBar progressBar(int epoch, long images) {
    if (!config.showProgress()) {
      return null;
    }
    return new ProgressBarBuilder()
        .setTaskName(String.format("epoch %2d", epoch))
        .setInitialMax(images)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit(" img", 1)
        .showSpeed()
        .setUpdateIntervalMillis(500)
        .setConsumer(new ConsoleProgressBarConsumer(console, 120))
        .build();
  }

  private static void shuffle(int[] order, Random random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
  }

  /** Copies of all parameters (batch-norm running statistics included), owned by {@code manager}. */
  static List<NDArray> snapshot(Model model, NDManager manager) {
    List<NDArray> copies = new ArrayList<>();
    for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
      NDArray copy = parameter.getValue().getArray().duplicate();
      copy.attach(manager);
      copies.add(copy);
    }
    return copies;
  }

  static void restore(Model model, List<NDArray> snapshot) {
    int i = 0;
    for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
      snapshot.get(i++).copyTo(parameter.getValue().getArray());
    }
  }

  private static long processCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
  }
}
