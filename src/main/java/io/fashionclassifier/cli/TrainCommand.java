package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.training.BundleTrainer;
import io.fashionclassifier.training.TrainingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code train}: trains a network on Fashion-MNIST and writes a model bundle with its report. */
@Command(
    name = "train",
    header = "Train a model on Fashion-MNIST and write a model bundle.",
    mixinStandardHelpOptions = true,
    description = {
      "Trains a classifier on Fashion-MNIST and writes a model bundle (parameters, manifest.json, report.json, "
          + "report.md and plots) to --out; report.md gives the test accuracy reached and docs/training.md the "
          + "figures of the default CNN."
    })
final class TrainCommand implements Callable<Integer> {

  @Option(names = "--arch", defaultValue = "cnn", paramLabel = "ARCH",
      description = "Network: cnn (default, the more accurate) or mlp (the Keras reference network).")
  String architecture;

  @Option(names = "--epochs", paramLabel = "N",
      description = "Maximum epochs (default: cnn ${bundle:train.cnn.epochs}, in practice ended by the time budget; "
          + "mlp ${bundle:train.mlp.epochs}).")
  Integer epochs;

  @Option(names = "--batch-size", paramLabel = "N", description = "Images per step (default: cnn ${bundle:train.cnn.batch-size}, "
      + "mlp ${bundle:train.mlp.batch-size}).")
  Integer batchSize;

  @Option(names = "--learning-rate", paramLabel = "LR",
      description = "Peak learning rate (default: cnn ${bundle:train.cnn.learning-rate} with warm-up and cosine "
          + "decay, mlp ${bundle:train.mlp.learning-rate} constant).")
  Float learningRate;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
      description = "Train on the first N training images only (default: all those not held out for validation).")
  int limit;

  @Option(names = "--time-budget", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Wall-clock limit for training plus final evaluation, e.g. 9m25s, 300 (seconds), 2m (default: ${bundle:train.time-budget}).")
  Duration timeBudget;

  @Option(names = "--schedule", paramLabel = "BASIS",
      description = {"What the learning-rate schedule follows: wall-clock (default; ends on time with the rate"
          + " decayed on any machine) or steps (the same model for a seed on any machine, if the time budget"
          + " does not cut it: choose --epochs to fit; the default with --from-audits)."})
  String schedule;

  @Option(names = "--label-smoothing", defaultValue = "0", paramLabel = "EPS",
      description = "Spread this share of each training target over all classes (default: 0, off).")
  float labelSmoothing;

  @Option(names = "--random-erasing", defaultValue = "0", paramLabel = "P",
      description = "Blank a random rectangle of a training image with probability P (default: 0, off).")
  float randomErasing;

  @Option(names = "--weight-average", defaultValue = "0", paramLabel = "DECAY",
      description = "Keep an exponential moving average of the weights over the second half of the schedule with"
          + " this decay per step (e.g. 0.999) and keep it if it classifies the validation images better"
          + " (default: 0, off).")
  float weightAverageDecay;

  @Mixin DatasetOption data;

  @Option(names = "--out", defaultValue = "models/default", paramLabel = "DIR",
      description = "Directory for the model bundle (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--no-progress", description = "Print one line per epoch instead of progress bars.")
  boolean noProgress;

  @Mixin FromAudits audits;

  @Override
  public Integer call() {
    if (audits.fromAudits) {
      audits.run(this);
      return 0;
    }
    TrainingConfig config = config(TrainingConfig.defaults(architecture()));
    FashionMnist dataset = data.load();
    new BundleTrainer(config).train(dataset, out);
    return 0;
  }

  private Architecture architecture() {
    try {
      return Architecture.fromId(architecture);
    } catch (IllegalArgumentException e) {
      throw new UserError("--arch: " + e.getMessage());
    }
  }

  /** {@code defaults} with the options given on the command line. */
  TrainingConfig config(TrainingConfig defaults) {
    TrainingConfig config = defaults.withSeed(seed).withShowProgress(!noProgress);
    try {
      if (epochs != null) {
        config = config.withEpochs(epochs);
      }
      if (batchSize != null) {
        config = config.withBatchSize(batchSize);
      }
      if (learningRate != null) {
        config = config.withLearningRate(learningRate);
      }
      if (limit != 0) {
        config = config.withLimit(limit);
      }
      if (timeBudget != null) {
        config = config.withTimeBudget(timeBudget);
      }
      if (schedule != null) {
        config = config.withSchedule(schedule());
      }
      config = config
          .withLabelSmoothing(labelSmoothing)
          .withRandomErasing(randomErasing)
          .withWeightAverageDecay(weightAverageDecay);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage() + "; see 'train --help'");
    }
    return config;
  }

  private TrainingConfig.Schedule schedule() {
    try {
      return TrainingConfig.Schedule.fromId(schedule);
    } catch (IllegalArgumentException e) {
      throw new UserError("--schedule: " + e.getMessage());
    }
  }
}
