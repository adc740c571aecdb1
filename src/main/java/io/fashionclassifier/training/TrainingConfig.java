package io.fashionclassifier.training;

import io.fashionclassifier.model.Architecture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
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
 * @param evaluationReserve the least part of the budget kept for the final evaluation and the report
 * @param patience stop after this many epochs without a better validation accuracy
 * @param flipAugmentation mirror training images at random (p = 0.5), and average each test prediction with
 *     that of its mirror image
 * @param showProgress draw a progress bar per epoch on standard output
 * @param schedule what the learning-rate schedule follows: the wall clock or the steps
 * @param labelSmoothing share of each training target spread evenly over all classes (0 = plain one-hot)
 * @param randomErasing probability of blanking a random rectangle of a training image (0 = never)
 * @param weightAverageDecay decay of an exponential moving average of the parameters over the second half of
 *     the schedule, offered to the final model if it classifies the validation images better (0 = off)
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
    boolean showProgress,
    Schedule schedule,
    float labelSmoothing,
    float randomErasing,
    float weightAverageDecay) {

  /** Default time budget: with JVM start-up, {@code train} stays within 10 minutes. */
  public static final Duration DEFAULT_TIME_BUDGET = Duration.ofSeconds(565);
  /** Measured: loading the bundle, 10,000 test images with flip TTA, plots and report take ~10 s; doubled. */
  public static final Duration DEFAULT_EVALUATION_RESERVE = Duration.ofSeconds(22);

  /**
   * What drives the learning-rate schedule from warm-up to zero.
   *
   * <p>{@link #WALL_CLOCK}: progress is the larger of elapsed time over the time budget and steps done over
   * the steps of all epochs, so the run ends on time with the learning rate decayed on any machine, busy or
   * not; the model then depends on the machine's speed. {@link #STEPS}: progress is steps done over the steps
   * of all epochs only, so a seed gives the same model on any machine, as long as the time budget does not end
   * the run first.
   */
  public enum Schedule {
    WALL_CLOCK("wall-clock"),
    STEPS("steps");

    private final String id;

    Schedule(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    /** Parses {@code wall-clock} or {@code steps}. */
    public static Schedule fromId(String id) {
      for (Schedule schedule : values()) {
        if (schedule.id.equals(id.toLowerCase(Locale.ROOT))) {
          return schedule;
        }
      }
      throw new IllegalArgumentException("unknown schedule '" + id + "', expected wall-clock or steps");
    }
  }

  public TrainingConfig {
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(timeBudget, "timeBudget");
    Objects.requireNonNull(evaluationReserve, "evaluationReserve");
    Objects.requireNonNull(schedule, "schedule");
    if (epochs < 1 || batchSize < 1 || learningRate <= 0 || limit < 0 || validationSize < 1 || patience < 1) {
      throw new IllegalArgumentException("epochs, batch size, learning rate, validation size and patience must be"
          + " positive and limit not negative");
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1) || !(randomErasing >= 0 && randomErasing <= 1)) {
      throw new IllegalArgumentException("label smoothing must be in [0, 1) and random erasing in [0, 1]");
    }
    if (!(weightAverageDecay >= 0 && weightAverageDecay < 1)) {
      throw new IllegalArgumentException("the weight average's decay must be in [0, 1), 0 for off");
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
          DEFAULT_TIME_BUDGET, DEFAULT_EVALUATION_RESERVE, 4, true, true, Schedule.WALL_CLOCK, 0f, 0f, 0f);
      case MLP -> new TrainingConfig(architecture, 10, 32, 1e-3f, 0f, 42, 0, 5_000,
          DEFAULT_TIME_BUDGET, DEFAULT_EVALUATION_RESERVE, 4, false, true, Schedule.WALL_CLOCK, 0f, 0f, 0f);
    };
  }

  public TrainingConfig withEpochs(int value) {
    return copy().epochs(value).build();
  }

  public TrainingConfig withBatchSize(int value) {
    return copy().batchSize(value).build();
  }

  public TrainingConfig withLearningRate(float value) {
    return copy().learningRate(value).build();
  }

  public TrainingConfig withSeed(long value) {
    return copy().seed(value).build();
  }

  public TrainingConfig withLimit(int value) {
    return copy().limit(value).build();
  }

  public TrainingConfig withValidationSize(int value) {
    return copy().validationSize(value).build();
  }

  public TrainingConfig withTimeBudget(Duration value) {
    return copy().timeBudget(value).build();
  }

  public TrainingConfig withEvaluationReserve(Duration value) {
    return copy().evaluationReserve(value).build();
  }

  public TrainingConfig withPatience(int value) {
    return copy().patience(value).build();
  }

  public TrainingConfig withShowProgress(boolean value) {
    return copy().showProgress(value).build();
  }

  public TrainingConfig withSchedule(Schedule value) {
    return copy().schedule(value).build();
  }

  public TrainingConfig withLabelSmoothing(float value) {
    return copy().labelSmoothing(value).build();
  }

  public TrainingConfig withRandomErasing(float value) {
    return copy().randomErasing(value).build();
  }

  public TrainingConfig withWeightAverageDecay(float value) {
    return copy().weightAverageDecay(value).build();
  }

  /** The configuration as recorded in {@code manifest.json} and {@code report.json}. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("architecture", architecture.id());
    map.put("epochs", epochs);
    map.put("batch_size", batchSize);
    map.put("learning_rate", learningRate);
    map.put("optimizer", architecture == Architecture.CNN ? "nag(momentum=0.9)" : "adam");
    map.put("schedule", architecture != Architecture.CNN ? "constant"
        : schedule == Schedule.STEPS ? "5% linear warm-up, cosine to 0 over the steps of all epochs"
        : "5% linear warm-up, cosine to 0 over time budget");
    map.put("schedule_basis", schedule.id());
    map.put("weight_decay", weightDecay);
    map.put("seed", seed);
    map.put("limit", limit);
    map.put("validation_size", validationSize);
    map.put("time_budget_seconds", timeBudget.toMillis() / 1000.0);
    map.put("patience", patience);
    map.put("flip_augmentation", flipAugmentation);
    map.put("label_smoothing", labelSmoothing);
    map.put("random_erasing", randomErasing);
    map.put("weight_average_decay", weightAverageDecay);
    return map;
  }

  private Copy copy() {
    return new Copy(this);
  }

  /** A mutable copy, so that each {@code with...} method names only what it changes. */
  private static final class Copy {
    private final Architecture architecture;
    private int epochs;
    private int batchSize;
    private float learningRate;
    private final float weightDecay;
    private long seed;
    private int limit;
    private int validationSize;
    private Duration timeBudget;
    private Duration evaluationReserve;
    private int patience;
    private final boolean flipAugmentation;
    private boolean showProgress;
    private Schedule schedule;
    private float labelSmoothing;
    private float randomErasing;
    private float weightAverageDecay;

    Copy(TrainingConfig c) {
      architecture = c.architecture;
      epochs = c.epochs;
      batchSize = c.batchSize;
      learningRate = c.learningRate;
      weightDecay = c.weightDecay;
      seed = c.seed;
      limit = c.limit;
      validationSize = c.validationSize;
      timeBudget = c.timeBudget;
      evaluationReserve = c.evaluationReserve;
      patience = c.patience;
      flipAugmentation = c.flipAugmentation;
      showProgress = c.showProgress;
      schedule = c.schedule;
      labelSmoothing = c.labelSmoothing;
      randomErasing = c.randomErasing;
      weightAverageDecay = c.weightAverageDecay;
    }

    Copy epochs(int value) {
      epochs = value;
      return this;
    }

    Copy batchSize(int value) {
      batchSize = value;
      return this;
    }

    Copy learningRate(float value) {
      learningRate = value;
      return this;
    }

    Copy seed(long value) {
      seed = value;
      return this;
    }

    Copy limit(int value) {
      limit = value;
      return this;
    }

    Copy validationSize(int value) {
      validationSize = value;
      return this;
    }

    Copy timeBudget(Duration value) {
      timeBudget = value;
      return this;
    }

    Copy evaluationReserve(Duration value) {
      evaluationReserve = value;
      return this;
    }

    Copy patience(int value) {
      patience = value;
      return this;
    }

    Copy showProgress(boolean value) {
      showProgress = value;
      return this;
    }

    Copy schedule(Schedule value) {
      schedule = value;
      return this;
    }

    Copy labelSmoothing(float value) {
      labelSmoothing = value;
      return this;
    }

    Copy randomErasing(float value) {
      randomErasing = value;
      return this;
    }

    Copy weightAverageDecay(float value) {
      weightAverageDecay = value;
      return this;
    }

    TrainingConfig build() {
      return new TrainingConfig(architecture, epochs, batchSize, learningRate, weightDecay, seed, limit,
          validationSize, timeBudget, evaluationReserve, patience, flipAugmentation, showProgress, schedule,
          labelSmoothing, randomErasing, weightAverageDecay);
    }
  }
}
