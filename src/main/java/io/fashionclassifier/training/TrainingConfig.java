package io.fashionclassifier.training;

import io.fashionclassifier.model.Architecture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to train. Start from {@link #defaults(Architecture)} and change what you need:
 *
 * <pre>{@code
 * TrainingConfig quick = TrainingConfig.defaults(Architecture.MLP).withEpochs(1).withLimit(5_000);
 * }</pre>
 *
 * <p>Defaults: {@code cnn} (the default architecture) trains with SGD + Nesterov momentum 0.9, peak learning
 * rate 0.05, weight decay 5e-4, batch 128, horizontal-flip augmentation and flip test-time augmentation, its
 * learning rate warming up over the first 5% and then following a cosine to zero over the time budget (or
 * the epochs, whichever ends first). {@code mlp} is the Keras reference: Adam 1e-3, batch 32, 10 epochs.
 *
 * @param architecture network to train
 * @param epochs maximum number of passes over the training images
 * @param batchSize images per optimiser step
 * @param learningRate peak learning rate
 * @param weightDecay L2 weight decay (0 = none)
 * @param seed seed for initialisation, shuffling, augmentation and dropout
 * @param limit train on only the first {@code limit} training images (0 = all 55,000)
 * @param validationSize images held out from the end of the 60,000 training images for validation
 * @param timeBudget wall-clock limit for the whole run, final evaluation included
 * @param evaluationReserve the part of the budget kept for the final evaluation and the report
 * @param patience stop after this many epochs without a better validation accuracy
 * @param flipAugmentation mirror training images at random (p = 0.5), and average each test prediction with
 *     that of its mirror image
 * @param showProgress draw a progress bar per epoch on standard output
 */
public record TrainingConfig(
    Architecture architecture,
    int epochs,
    int batchSize,
    float learningRate,
    float weightDecay,
    long seed,
    int limit,
    int validationSize,
    Duration timeBudget,
    Duration evaluationReserve,
    int patience,
    boolean flipAugmentation,
    boolean showProgress) {

  /** Default time budget: with JVM start-up, {@code train} stays within 10 minutes. */
  public static final Duration DEFAULT_TIME_BUDGET = Duration.ofSeconds(565);
  /** Measured: loading the bundle, 10,000 test images with flip TTA, plots and report take ~10 s; doubled. */
  public static final Duration DEFAULT_EVALUATION_RESERVE = Duration.ofSeconds(22);

  public TrainingConfig {
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(timeBudget, "timeBudget");
    Objects.requireNonNull(evaluationReserve, "evaluationReserve");
    if (epochs < 1 || batchSize < 1 || learningRate <= 0 || limit < 0 || validationSize < 1 || patience < 1) {
      throw new IllegalArgumentException("epochs, batch size, learning rate, validation size and patience must be"
          + " positive and limit not negative");
    }
    if (timeBudget.compareTo(evaluationReserve) <= 0) {
      throw new IllegalArgumentException("time budget " + timeBudget.toSeconds() + " s leaves no time to train"
          + " after the " + evaluationReserve.toSeconds() + " s kept for evaluation");
    }
  }

  /** The documented defaults for {@code architecture}. */
  public static TrainingConfig defaults(Architecture architecture) {
    return switch (architecture) {
      case CNN -> new TrainingConfig(architecture, 30, 128, 0.05f, 5e-4f, 42, 0, 5_000,
          DEFAULT_TIME_BUDGET, DEFAULT_EVALUATION_RESERVE, 4, true, true);
      case MLP -> new TrainingConfig(architecture, 10, 32, 1e-3f, 0f, 42, 0, 5_000,
          DEFAULT_TIME_BUDGET, DEFAULT_EVALUATION_RESERVE, 4, false, true);
    };
  }

  public TrainingConfig withEpochs(int value) {
    return new TrainingConfig(architecture, value, batchSize, learningRate, weightDecay, seed, limit,
        validationSize, timeBudget, evaluationReserve, patience, flipAugmentation, showProgress);
  }

  public TrainingConfig withBatchSize(int value) {
    return new TrainingConfig(architecture, epochs, value, learningRate, weightDecay, seed, limit,
        validationSize, timeBudget, evaluationReserve, patience, flipAugmentation, showProgress);
  }

  public TrainingConfig withLearningRate(float value) {
    return new TrainingConfig(architecture, epochs, batchSize, value, weightDecay, seed, limit,
        validationSize, timeBudget, evaluationReserve, patience, flipAugmentation, showProgress);
  }

  public TrainingConfig withSeed(long value) {
    return new TrainingConfig(architecture, epochs, batchSize, learningRate, weightDecay, value, limit,
        validationSize, timeBudget, evaluationReserve, patience, flipAugmentation, showProgress);
  }

  public TrainingConfig withLimit(int value) {
    return new TrainingConfig(architecture, epochs, batchSize, learningRate, weightDecay, seed, value,
        validationSize, timeBudget, evaluationReserve, patience, flipAugmentation, showProgress);
  }

  public TrainingConfig withTimeBudget(Duration value) {
    return new TrainingConfig(architecture, epochs, batchSize, learningRate, weightDecay, seed, limit,
        validationSize, value, evaluationReserve, patience, flipAugmentation, showProgress);
  }

  public TrainingConfig withShowProgress(boolean value) {
    return new TrainingConfig(architecture, epochs, batchSize, learningRate, weightDecay, seed, limit,
        validationSize, timeBudget, evaluationReserve, patience, flipAugmentation, value);
  }

  /** The configuration as recorded in {@code manifest.json} and {@code report.json}. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("architecture", architecture.id());
    map.put("epochs", epochs);
    map.put("batch_size", batchSize);
    map.put("learning_rate", learningRate);
    map.put("optimizer", architecture == Architecture.CNN ? "nag(momentum=0.9)" : "adam");
    map.put("schedule", architecture == Architecture.CNN ? "5% linear warm-up, cosine to 0 over time budget" : "constant");
    map.put("weight_decay", weightDecay);
    map.put("seed", seed);
    map.put("limit", limit);
    map.put("validation_size", validationSize);
    map.put("time_budget_seconds", timeBudget.toMillis() / 1000.0);
    map.put("patience", patience);
    map.put("flip_augmentation", flipAugmentation);
    return map;
  }
}
