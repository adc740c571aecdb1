package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.training.listener.EarlyStoppingListener.EarlyStoppedException;
import io.fashionclassifier.model.Architecture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The time budget's deadline, the reserve that follows the measured speed, and how it stops training. */
class TimeBudgetTest {

  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong();
  private final TrainingConfig config = TrainingConfig.defaults(Architecture.CNN).withEpochs(3)
      .withTimeBudget(Duration.ofSeconds(100)).withEvaluationReserve(Duration.ofSeconds(20));
  // 5,000 validation images, 10,000 test images twice (flip TTA)
  private final TimeBudget budget = new TimeBudget(config, clock::get, 0, 5_000, 20_000);

  @Test
  void endsTheEpochOnceTheBudgetLessTheReserveIsUsed() {
    clock.set(80 * SECOND - 1);
    assertThat(budget.endEpoch()).isFalse();

    clock.set(80 * SECOND);
    assertThat(budget.endEpoch()).isTrue();
  }

  @Test
  void keepsMoreTimeWhenTheMeasuredStepsAreSlowAndLessWhenTheyAreFastAgain() {
    budget.onTrainingBegin(null);
    slowSteps(TimeBudget.WINDOW_STEPS, SECOND / 10); // 100 ms per step of 100 images: 0.4 ms per image inferred
    // 1.3 * 0.4 ms * 25,000 images + 4 s = 17 s, under the 20 s minimum
    assertThat(budget.deadline()).isEqualTo(80 * SECOND);

    slowSteps(TimeBudget.WINDOW_STEPS, SECOND); // 10x slower: 1.3 * 4 ms * 25,000 + 4 s = 134 s
    assertThat(budget.deadline()).isEqualTo(100 * SECOND - 134 * SECOND);
    assertThat(budget.endEpoch()).isTrue();

    slowSteps(TimeBudget.WINDOW_STEPS, SECOND / 100);
    assertThat(budget.deadline()).isEqualTo(80 * SECOND);
  }

  @Test
  void stopsTrainingAfterTheEpochItCut() {
    clock.set(81 * SECOND);
    assertThat(budget.endEpoch()).isTrue();

    assertThatThrownBy(() -> budget.onEpoch(null))
        .isInstanceOf(EarlyStoppedException.class)
        .hasMessage(TimeBudget.STOP_REASON);
  }

  @Test
  void letsTrainingGoOnWhileTimeIsLeft() {
    clock.set(10 * SECOND);

    assertThatNoException().isThrownBy(() -> budget.onEpoch(null));
  }

  @Test
  void doesNotCallTheLastEpochCutWhenItsStepsAllRan() {
    budget.onEpoch(null);
    budget.onEpoch(null);
    clock.set(81 * SECOND); // the third and last epoch's validation ran past the deadline

    assertThatNoException().isThrownBy(() -> budget.onEpoch(null));
  }

  private void slowSteps(int steps, long nanosPerStep) {
    for (int i = 0; i < steps; i++) {
      clock.addAndGet(nanosPerStep);
      budget.stepDone(100);
    }
  }
}
