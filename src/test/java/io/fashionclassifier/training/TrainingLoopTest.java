package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training loop's stop conditions, best-epoch restore and schedules, on real (small) trainings: a few
 * hundred images, seconds each. A fake clock that moves on every reading stands in for the machine's speed, so
 * the time budget and the wall-clock schedule behave the same on any machine.
 */
class TrainingLoopTest {

  private static final long MILLISECOND = 1_000_000L;
  private static LabelledImages training;
  private static LabelledImages validation;
  /** An MLP trained with a high learning rate and a patience of 2 until early stopping ends it. */
  private static Run earlyStopped;

  @TempDir Path bundle;

  @BeforeAll
  static void loadData() {
    LabelledImages all = FashionMnist.load(null).train();
    training = all.slice(0, 512);
    validation = all.slice(55_000, 55_500);
    earlyStopped = train(mlp().withEpochs(40).withPatience(2).withLearningRate(0.01f), MILLISECOND, 0);
  }

  @AfterAll
  static void closeModel() {
    earlyStopped.model.close();
  }

  @Test
  void earlyStoppingEndsTrainingPatienceEpochsAfterTheBestOne() {
    TrainingLoop.Outcome outcome = earlyStopped.outcome;

    assertThat(outcome.stoppedBy()).isEqualTo(EarlyStopping.STOP_REASON);
    assertThat(outcome.epochs()).hasSize(outcome.bestEpoch() + 2).hasSizeLessThan(40);
    assertThat(outcome.epochs().get(outcome.bestEpoch() - 1).validationAccuracy())
        .isEqualTo(outcome.bestValidationAccuracy());
  }

  @Test
  void theTrainedModelHoldsTheBestEpochsParametersNotTheLastOnes() {
    List<EpochStats> epochs = earlyStopped.outcome.epochs();
    double best = earlyStopped.outcome.bestValidationAccuracy();
    // early stopping guarantees later epochs; with this seed the last one also scores lower on the development
    // machine, so a model that kept the last epoch's parameters fails below
    assertThat(earlyStopped.outcome.bestEpoch()).isLessThan(epochs.size());

    ModelBundle.save(bundle, earlyStopped.model.getBlock(), Architecture.MLP, false, Map.of(), null);
    try (ModelBundle saved = ModelBundle.load(bundle);
        BatchClassifier classifier = saved.newClassifier()) {
      Evaluation evaluation = Evaluation.run(classifier, validation, saved.manifest().classNames());

      assertThat(evaluation.accuracy()).isEqualTo(best);
    }
  }

  @Test
  void theTimeBudgetStopsTrainingBeforeTheEpochsAreDone() {
    // 22 s kept for evaluation: 0.3 s of the fake clock for training, about a hundred steps
    TrainingConfig config = mlp().withEpochs(40).withPatience(40)
        .withTimeBudget(Duration.ofMillis(22_300)).withEvaluationReserve(Duration.ofSeconds(22));

    Run run = train(config, MILLISECOND, 0);

    assertThat(run.outcome.stoppedBy()).isEqualTo(TimeBudget.STOP_REASON);
    assertThat(run.outcome.epochs()).hasSizeBetween(1, 39);
    assertThat(run.outcome.steps()).isPositive().isLessThan(40L * (512 / 32));
    run.model.close();
  }

  @Test
  void theStepScheduleGivesTheSameModelOnAFastAndOnASlowMachine() {
    TrainingConfig config = cnn().withSchedule(TrainingConfig.Schedule.STEPS);

    Run fast = train(config, MILLISECOND, 0);
    // ten times slower, and half of the training time already gone on loading the data
    Run slow = train(config, 10 * MILLISECOND, 4_000 * MILLISECOND);

    assertThat(slow.outcome.stoppedBy()).isEqualTo(TrainingLoop.COMPLETED);
    assertThat(parameters(slow.model)).containsExactlyElementsOf(parameters(fast.model));
    assertThat(slow.outcome.epochs()).isEqualTo(withSameTimings(fast.outcome.epochs(), slow.outcome.epochs()));
    fast.model.close();
    slow.model.close();
  }

  @Test
  void theWallClockScheduleFollowsTheMachinesSpeed() {
    TrainingConfig config = cnn().withSchedule(TrainingConfig.Schedule.WALL_CLOCK);

    Run fast = train(config, MILLISECOND, 0);
    Run slow = train(config, 10 * MILLISECOND, 4_000 * MILLISECOND);

    assertThat(slow.outcome.stoppedBy()).isEqualTo(TrainingLoop.COMPLETED);
    assertThat(slow.outcome.epochs().get(0).learningRate())
        .isLessThan(fast.outcome.epochs().get(0).learningRate());
    assertThat(parameters(slow.model).get(0)).isNotEqualTo(parameters(fast.model).get(0));
    fast.model.close();
    slow.model.close();
  }

  @Test
  void labelSmoothingTrainsOnSoftTargets() {
    Run run = train(mlp().withEpochs(3).withLabelSmoothing(0.1f), MILLISECOND, 0);

    // soft targets take another loss (non-sparse) and one-hot validation labels: both must still score
    assertThat(run.outcome.bestValidationAccuracy()).isGreaterThan(0.6);
    assertThat(run.outcome.epochs()).allSatisfy(epoch -> assertThat(epoch.validationLoss()).isFinite());
    run.model.close();
  }

  /** 8 s of training time in a 30 s budget; 2 epochs of 8 steps on the first 256 images. */
  private static TrainingConfig cnn() {
    return TrainingConfig.defaults(Architecture.CNN).withEpochs(2).withBatchSize(32).withLimit(256)
        .withTimeBudget(Duration.ofSeconds(30)).withEvaluationReserve(Duration.ofSeconds(22)).withShowProgress(false);
  }

  private static TrainingConfig mlp() {
    return TrainingConfig.defaults(Architecture.MLP).withShowProgress(false);
  }

  private record Run(TrainingLoop.Outcome outcome, Model model) {}

  /**
   * Trains a fresh model with a clock that moves {@code tick} nanoseconds per reading, the run having begun
   * {@code alreadyUsed} nanoseconds before training starts. The caller closes the model.
   */
  private static Run train(TrainingConfig config, long tick, long alreadyUsed) {
    AtomicLong clock = new AtomicLong(alreadyUsed);
    Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu());
    Engine.getInstance().setRandomSeed((int) config.seed());
    model.setBlock(config.architecture().newBlock());
    TrainingLoop loop = new TrainingLoop(config, new PrintStream(OutputStream.nullOutputStream()),
        () -> clock.addAndGet(tick), 0, 10_000);
    LabelledImages images = config.limit() == 0 ? training : training.slice(0, config.limit());
    return new Run(loop.run(model, images, validation), model);
  }

  private static List<float[]> parameters(Model model) {
    return model.getBlock().getParameters().values().stream().map(p -> p.getArray().toFloatArray()).toList();
  }

  /** {@code expected}'s figures with {@code actual}'s timings, which differ with the clock. */
  private static List<EpochStats> withSameTimings(List<EpochStats> expected, List<EpochStats> actual) {
    return IntStream.range(0, expected.size()).mapToObj(i -> {
      EpochStats e = expected.get(i);
      EpochStats a = actual.get(i);
      return new EpochStats(e.epoch(), e.images(), e.trainLoss(), e.trainAccuracy(), e.validationLoss(),
          e.validationAccuracy(), e.learningRate(), a.seconds(), a.imagesPerSecond());
    }).toList();
  }
}
