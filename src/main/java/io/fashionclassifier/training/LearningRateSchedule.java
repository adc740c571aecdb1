package io.fashionclassifier.training;

import ai.djl.training.tracker.Tracker;

/**
 * Linear warm-up over the first 5% of training, then a cosine from the peak to zero, as a DJL {@link Tracker}.
 * {@link ScheduleProgress} sets the progress before each update, from the wall clock or from the steps.
 */
final class LearningRateSchedule implements Tracker {

  private static final double WARM_UP = 0.05;

  private final float peak;
  private final boolean decay;
  private volatile double progress;

  private LearningRateSchedule(float peak, boolean decay) {
    this.peak = peak;
    this.decay = decay;
  }

  static LearningRateSchedule warmUpCosine(float peak) {
    return new LearningRateSchedule(peak, true);
  }

  static LearningRateSchedule constant(float value) {
    return new LearningRateSchedule(value, false);
  }

  /** Called once per step, before the optimiser update; {@code value} in [0, 1]. */
  void setProgress(double value) {
    progress = Math.min(1.0, Math.max(0.0, value));
  }

  float current() {
    if (!decay) {
      return peak;
    }
    double p = progress;
    if (p < WARM_UP) {
      // start at 1% of the peak rather than 0 so that the first steps already move
      return (float) (peak * Math.max(0.01, p / WARM_UP));
    }
    double cosine = (p - WARM_UP) / (1 - WARM_UP);
    return (float) (peak * 0.5 * (1 + Math.cos(Math.PI * cosine)));
  }

  @Override
  public float getNewValue(int numUpdate) {
    return current();
  }
}
