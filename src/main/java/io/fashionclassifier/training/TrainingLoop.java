package io.fashionclassifier.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.EarlyStoppingListener.EarlyStoppedException;
import ai.djl.training.listener.EpochTrainingListener;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.translate.TranslateException;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.ImagePreprocessing;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a model's block in place, the way DJL's examples do: {@link EasyTrain#fit} over two {@link
 * ImageBatches} datasets, DJL's loss and {@link Accuracy} evaluators, and listeners for the rest, in this order
 * (each reads what the ones before it computed): {@link ScheduleProgress} (learning rate), {@link EpochLog}
 * (progress and statistics), {@link BestSnapshot} (keep and restore the best epoch), {@link EarlyStopping} and
 * {@link TimeBudget}, which end training by throwing DJL's {@link EarlyStoppedException} as DJL's own early
 * stopping does.
 */
final class TrainingLoop {

  private static final Logger log = LoggerFactory.getLogger(TrainingLoop.class);
  static final String COMPLETED = "epochs";

  /**
   * What training did.
   *
   * @param epochs statistics per epoch, the last one possibly partial
   * @param bestEpoch epoch whose parameters the model now holds
   * @param bestValidationAccuracy that epoch's validation accuracy
   * @param stoppedBy {@value #COMPLETED}, {@value TimeBudget#STOP_REASON} or {@value EarlyStopping#STOP_REASON}
   * @param steps optimiser steps taken
   * @param trainingNanos wall time of the training steps, validation excluded
   * @param imagesSeen training images over all epochs
   * @param weightAverage the parameters' moving average when one was asked for (the caller closes it), or null
   */
  record Outcome(List<EpochStats> epochs, int bestEpoch, double bestValidationAccuracy, String stoppedBy,
      long steps, long trainingNanos, long imagesSeen, WeightAverage weightAverage) {}

  private final TrainingConfig config;
  private final PrintStream console;
  private final LongSupplier clock;
  private final long start;
  private final int imagesToInferAfterwards;

  /**
   * @param start clock reading when the run began (the time budget counts from it)
   * @param imagesToInferAfterwards images the final evaluation will classify, for the time budget's reserve
   */
  TrainingLoop(TrainingConfig config, PrintStream console, LongSupplier clock, long start,
      int imagesToInferAfterwards) {
    this.config = config;
    this.console = console;
    this.clock = clock;
    this.start = start;
    this.imagesToInferAfterwards = imagesToInferAfterwards;
  }

  /** Trains {@code model}'s block (initialised here) and leaves the best epoch's parameters in it. */
  Outcome run(Model model, LabelledImages training, LabelledImages validation) {
    TimeBudget budget = new TimeBudget(config, clock, start, validation.size(), imagesToInferAfterwards);
    boolean softTargets = config.labelSmoothing() > 0;
    ImageBatches trainingBatches = ImageBatches.training(training, config.batchSize(),
        new ImageBatches.Augmentation(config.flipAugmentation(), config.randomErasing()), config.labelSmoothing(),
        softTargets, config.seed(), budget::endEpoch);
    ImageBatches validationBatches = ImageBatches.inference(validation, softTargets);
    LearningRateSchedule schedule = config.architecture() == Architecture.CNN
        ? LearningRateSchedule.warmUpCosine(config.learningRate())
        : LearningRateSchedule.constant(config.learningRate());
    ScheduleProgress progress = new ScheduleProgress(schedule, config.schedule(), budget,
        (long) trainingBatches.batchesPerEpoch() * config.epochs());
    EpochLog epochLog = new EpochLog(console, config.showProgress(), schedule, clock,
        (long) trainingBatches.batchesPerEpoch() * trainingBatches.batchSize());
    BestSnapshot best = new BestSnapshot();
    DefaultTrainingConfig trainingConfig = new DefaultTrainingConfig(loss(softTargets))
        .optOptimizer(optimizer(schedule))
        .optDevices(new Device[] {Device.cpu()})
        .addEvaluator(new Accuracy(EpochLog.ACCURACY))
        .addTrainingListeners(new EpochTrainingListener(), new EvaluatorTrainingListener(), progress, epochLog,
            best, new EarlyStopping(config.patience()), budget);
    WeightAverage average = null;
    if (config.weightAverageDecay() > 0) {
      average = new WeightAverage(config.weightAverageDecay(), progress::progress);
      trainingConfig.addTrainingListeners(average);
    }

    String stoppedBy = COMPLETED;
    try (Trainer trainer = model.newTrainer(trainingConfig)) {
      int side = ImagePreprocessing.SIZE;
      trainer.initialize(new Shape(trainingBatches.batchSize(), 1, side, side));
      EasyTrain.fit(trainer, config.epochs(), trainingBatches, validationBatches);
    } catch (EarlyStoppedException e) {
      stoppedBy = e.getMessage();
    } catch (IOException | TranslateException e) {
      throw new IllegalStateException("training failed: " + e.getMessage(), e);
    }
    if (config.schedule() == TrainingConfig.Schedule.STEPS && progress.steps() < progress.totalSteps()
        && stoppedBy.equals(TimeBudget.STOP_REASON)) {
      console.printf("note: the time budget ended training at step %d of %d, before the learning rate had decayed;"
          + " the model now depends on this machine's speed: lower --epochs or raise --time-budget%n",
          progress.steps(), progress.totalSteps());
      log.warn("Step schedule cut by the time budget at step {} of {}", progress.steps(), progress.totalSteps());
    }
    return new Outcome(epochLog.epochs(), best.bestEpoch(), best.bestAccuracy(), stoppedBy, progress.steps(),
        epochLog.trainingNanos(), epochLog.imagesSeen(), average);
  }

  /** Softmax cross-entropy on class indices, or on probability rows when the targets are smoothed. */
  private static Loss loss(boolean softTargets) {
    return softTargets
        ? new SoftmaxCrossEntropyLoss("SoftmaxCrossEntropyLoss", 1, -1, false, true)
        : Loss.softmaxCrossEntropyLoss();
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
}
