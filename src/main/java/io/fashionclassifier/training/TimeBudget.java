package io.fashionclassifier.training;

import ai.djl.training.Trainer;
import ai.djl.training.listener.EarlyStoppingListener.EarlyStoppedException;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Ends training in time for the last validation and the final evaluation (test images, twice with flip TTA),
 * bundle and report. A fixed reserve is not enough on a busy machine, so the reserve follows the speed this
 * machine has now, measured on recent training steps and on each validation pass; the latest estimate wins, so
 * a passing slowdown does not cut the run short for good. The training batches ask {@link #endEpoch()} before
 * each step; the epoch cut short is still validated, then {@link #onEpoch} stops training.
 */
final class TimeBudget extends TrainingListenerAdapter {

  static final String STOP_REASON = "time budget";

  /** Training steps over which the current training speed is measured. */
  static final int WINDOW_STEPS = 50;
  /**
   * A training step (forward, backward, update) costs about this many forward passes per image, so the
   * inference speed is estimated from the training speed until a validation pass measures it.
   */
  private static final double STEP_COST_IN_FORWARD_PASSES = 2.5;
  /** Margin on the estimated inference time: the machine may slow down further. */
  private static final double SAFETY_FACTOR = 1.3;
  /** Saving and loading the bundle, plots and report, whatever the speed. */
  private static final long FIXED_COST_NANOS = Duration.ofSeconds(4).toNanos();

  private final LongSupplier clock;
  private final long start;
  private final long budgetNanos;
  private final long minimumReserveNanos;
  private final int validationImages;
  private final double imagesStillToInfer;
  private final int maxEpochs;
  private long deadline;
  private int epochs;
  private boolean epochCut;
  private long windowStart;
  private long windowImages;
  private int windowSteps;
  private long lastTrainingStep;

  /**
   * @param start clock reading when the run began: the budget covers data loading and set-up too
   * @param testImages images the final evaluation will classify, flip TTA included
   */
  TimeBudget(TrainingConfig config, LongSupplier clock, long start, int validationImages, int testImages) {
    this.clock = clock;
    this.start = start;
    this.budgetNanos = config.timeBudget().toNanos();
    this.minimumReserveNanos = config.evaluationReserve().toNanos();
    this.validationImages = validationImages;
    this.imagesStillToInfer = validationImages + (double) testImages;
    this.maxEpochs = config.epochs();
    this.deadline = start + budgetNanos - minimumReserveNanos;
    this.windowStart = start;
    this.lastTrainingStep = start;
  }

  /** Asked before each training step: true ends the epoch here. */
  boolean endEpoch() {
    if (clock.getAsLong() >= deadline) {
      epochCut = true;
    }
    return epochCut;
  }

  /** Share of the time available for training used so far; 1 or more once the deadline has passed. */
  double elapsedShare() {
    return (double) (clock.getAsLong() - start) / Math.max(1, deadline - start);
  }

  /** Clock reading after which no training step starts. */
  long deadline() {
    return deadline;
  }

  /** Estimates the time still needed after training from the current cost of one image's forward pass. */
  void reserveFor(double nanosPerImage) {
    long estimate = (long) (SAFETY_FACTOR * nanosPerImage * imagesStillToInfer) + FIXED_COST_NANOS;
    deadline = start + budgetNanos - Math.max(minimumReserveNanos, estimate);
  }

  /** Records one training step of {@code images} images; every {@value #WINDOW_STEPS} steps, re-estimates. */
  void stepDone(int images) {
    long now = clock.getAsLong();
    if (windowSteps == 0) {
      windowStart = lastTrainingStep;
    }
    lastTrainingStep = now;
    windowImages += images;
    if (++windowSteps == WINDOW_STEPS) {
      reserveFor((now - windowStart) / STEP_COST_IN_FORWARD_PASSES / windowImages);
      windowSteps = 0;
      windowImages = 0;
    }
  }

  @Override
  public void onTrainingBegin(Trainer trainer) {
    // the first speed window starts with training, not with loading the data
    lastTrainingStep = clock.getAsLong();
  }

  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    stepDone(batchData.getBatch().getSize());
  }

  @Override
  public void onEpoch(Trainer trainer) {
    long now = clock.getAsLong();
    epochs++;
    // validation began right after the last training step; it is measured directly
    reserveFor((double) (now - lastTrainingStep) / validationImages);
    windowSteps = 0;
    windowImages = 0;
    lastTrainingStep = now;
    if (epochCut || (now >= deadline && epochs < maxEpochs)) {
      throw new EarlyStoppedException(epochs, STOP_REASON);
    }
  }
}
