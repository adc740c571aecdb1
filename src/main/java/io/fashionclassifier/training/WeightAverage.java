package io.fashionclassifier.training;

import ai.djl.Model;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.util.Pair;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * An exponential moving average of all parameters (batch-norm statistics included) over the steps taken once
 * the learning-rate schedule is half done (Polyak averaging). It leaves the model alone: when training ends the
 * trainer compares it with the trained parameters on the validation images and keeps the better
 * ({@link Choice}).
 */
final class WeightAverage extends TrainingListenerAdapter implements AutoCloseable {

  /** Share of the schedule after which steps are averaged: early weights are far from the final ones. */
  static final double START = 0.5;

  /**
   * What the trainer chose.
   *
   * @param decay decay per step
   * @param steps steps averaged
   * @param trainedValidationAccuracy validation accuracy of the trained (best-epoch) parameters
   * @param averageValidationAccuracy validation accuracy of the average
   * @param kept whether the saved model holds the average
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record Choice(float decay, long steps, double trainedValidationAccuracy, double averageValidationAccuracy,
      boolean kept) {}

  private final float decay;
  private final DoubleSupplier progress;
  private NDManager manager;
  private List<NDArray> average;
  private long steps;

  /**
   * @param decay weight of the average so far at each step, in (0, 1)
   * @param progress the schedule's progress in [0, 1]
   */
  WeightAverage(float decay, DoubleSupplier progress) {
    this.decay = decay;
    this.progress = progress;
  }

  /** Called after a step's backward pass and before its update, so the average lags one update behind. */
  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    if (progress.getAsDouble() < START) {
      return;
    }
    Model model = trainer.getModel();
    if (average == null) {
      manager = model.getNDManager().newSubManager();
      average = BestSnapshot.snapshot(model, manager);
    } else {
      int i = 0;
      for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
        NDArray mean = average.get(i++);
        // mean += (1 - decay) * (parameter - mean), in place; the difference is freed at once
        try (NDArray difference = parameter.getValue().getArray().sub(mean)) {
          mean.addi(difference.muli(1 - decay));
        }
      }
    }
    steps++;
  }

  float decay() {
    return decay;
  }

  /** Steps averaged so far. */
  long steps() {
    return steps;
  }

  /** The averaged parameters in {@link Model#getBlock()}'s order, or null before the schedule's half. */
  List<NDArray> average() {
    return average;
  }

  @Override
  public void close() {
    if (manager != null) {
      manager.close();
      manager = null;
      average = null;
    }
  }
}
