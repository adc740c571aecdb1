package io.fashionclassifier.training;

import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows and records each epoch: a progress bar with the running loss, accuracy and learning rate while it
 * trains, one summary line when it ends, and its {@link EpochStats}. The figures are those of DJL's evaluators
 * (the loss and {@code Accuracy}), as {@link EvaluatorTrainingListener} accumulates them, so this listener must
 * come after that one.
 */
final class EpochLog extends TrainingListenerAdapter {

  /** Name of DJL's {@code Accuracy} evaluator. */
  static final String ACCURACY = "Accuracy";

  private final PrintStream console;
  private final boolean showProgress;
  private final LearningRateSchedule schedule;
  private final LongSupplier clock;
  private final long imagesPerEpoch;
  private final List<EpochStats> epochs = new ArrayList<>();
  private ProgressBar bar;
  private long epochStart;
  private long trainingEnd;
  private boolean trainingEnded;
  private int images;
  private long trainingNanos;
  private long imagesSeen;

  EpochLog(PrintStream console, boolean showProgress, LearningRateSchedule schedule, LongSupplier clock,
      long imagesPerEpoch) {
    this.console = console;
    this.showProgress = showProgress;
    this.schedule = schedule;
    this.clock = clock;
    this.imagesPerEpoch = imagesPerEpoch;
  }

  @Override
  public void onTrainingBegin(Trainer trainer) {
    epochStart = clock.getAsLong();
  }

  @Override
  public void onTrainingBatch(Trainer trainer, BatchData batchData) {
    int size = batchData.getBatch().getSize();
    images += size;
    if (showProgress) {
      if (bar == null) {
        bar = progressBar(epochs.size() + 1);
      }
      bar.stepBy(size);
      bar.setExtraMessage(String.format(" loss %.4f acc %.4f lr %.4f",
          trainer.getLoss().getAccumulator(EvaluatorTrainingListener.TRAIN_EPOCH),
          accuracy(trainer).getAccumulator(EvaluatorTrainingListener.TRAIN_EPOCH), schedule.current()));
    }
  }

  @Override
  public void onValidationBatch(Trainer trainer, BatchData batchData) {
    endTraining();
  }

  @Override
  public void onEpoch(Trainer trainer) {
    endTraining();
    double seconds = (trainingEnd - epochStart) / 1e9;
    EpochStats stats = new EpochStats(epochs.size() + 1, images, decimal(trainer.getTrainingResult().getTrainLoss()),
        decimal(trainer.getTrainingResult().getTrainEvaluation(ACCURACY)),
        decimal(trainer.getTrainingResult().getValidateLoss()), validationAccuracy(trainer), schedule.current(),
        seconds, images / seconds);
    epochs.add(stats);
    trainingNanos += trainingEnd - epochStart;
    imagesSeen += images;
    console.printf("epoch %d: train loss %.4f acc %.4f | validation loss %.4f acc %.4f | %.0f images/s%n",
        stats.epoch(), stats.trainLoss(), stats.trainAccuracy(), stats.validationLoss(),
        stats.validationAccuracy(), stats.imagesPerSecond());
    console.flush();
    images = 0;
    trainingEnded = false;
    epochStart = clock.getAsLong();
  }

  @Override
  public void onTrainingEnd(Trainer trainer) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  List<EpochStats> epochs() {
    return List.copyOf(epochs);
  }

  /** Wall time of the training steps of all epochs, validation excluded. */
  long trainingNanos() {
    return trainingNanos;
  }

  long imagesSeen() {
    return imagesSeen;
  }

  /** The validation accuracy of the epoch that just ended, as DJL's {@code Accuracy} evaluator measured it. */
  static double validationAccuracy(Trainer trainer) {
    return decimal(trainer.getTrainingResult().getValidateEvaluation(ACCURACY));
  }

  private void endTraining() {
    if (!trainingEnded) {
      trainingEnd = clock.getAsLong();
      trainingEnded = true;
    }
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  private static Evaluator accuracy(Trainer trainer) {
    return trainer.getEvaluators().stream().filter(e -> ACCURACY.equals(e.getName())).findFirst().orElseThrow();
  }

  /**
   * DJL's evaluators report floats; the shortest decimal that identifies one (0.8824, not 0.8823999762535095)
   * keeps report.json readable and equal to the count ratio it stands for.
   */
  private static double decimal(Float value) {
    return value == null ? Double.NaN : Double.parseDouble(Float.toString(value));
  }

  private ProgressBar progressBar(int epoch) {
    return new ProgressBarBuilder()
        .setTaskName(String.format("epoch %2d", epoch))
        .setInitialMax(imagesPerEpoch)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit(" img", 1)
        .showSpeed()
        .setUpdateIntervalMillis(500)
        .setConsumer(new ConsoleProgressBarConsumer(console, 120))
        .build();
  }
}
