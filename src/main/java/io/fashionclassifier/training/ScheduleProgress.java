package io.fashionclassifier.training;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;

/**
 * Moves the {@link LearningRateSchedule} forward before each optimiser step. With {@link
 * TrainingConfig.Schedule#STEPS} progress is the steps done over the steps of all epochs; with {@link
 * TrainingConfig.Schedule#WALL_CLOCK} it is the larger of that and the share of the time budget used, and never
 * goes backwards although the deadline moves with the measured speed.
 */
final class ScheduleProgress extends TrainingListenerAdapter {

  private final LearningRateSchedule schedule;
  private final TrainingConfig.Schedule basis;
  private final TimeBudget budget;
  private final long totalSteps;
  private long steps;
  private double progress;

  ScheduleProgress(LearningRateSchedule schedule, TrainingConfig.Schedule basis, TimeBudget budget,
      long totalSteps) {
    this.schedule = schedule;
    this.basis = basis;
    this.budget = budget;
    this.totalSteps = Math.max(1, totalSteps);
  }

  /** Called after the forward and backward pass of a step, before its update: sets the rate that update uses. */
  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    advance();
  }

  /** Sets the schedule's progress for the next update and counts it. */
  void advance() {
    double next = (double) steps / totalSteps;
    if (basis == TrainingConfig.Schedule.WALL_CLOCK) {
      next = Math.max(next, budget.elapsedShare());
    }
    progress = Math.max(progress, next);
    schedule.setProgress(progress);
    steps++;
  }

  long steps() {
    return steps;
  }

  /** Share of the schedule done, in [0, 1]. */
  double progress() {
    return progress;
  }

  long totalSteps() {
    return totalSteps;
  }
}
