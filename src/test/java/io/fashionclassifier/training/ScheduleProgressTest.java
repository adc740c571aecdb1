package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fashionclassifier.model.Architecture;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The learning-rate schedule and what moves it: the steps alone, or the wall clock too. */
class ScheduleProgressTest {

  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong();
  // 100 s budget, 20 s reserve: 80 s for training
  private final TrainingConfig config = TrainingConfig.defaults(Architecture.CNN)
      .withTimeBudget(Duration.ofSeconds(100)).withEvaluationReserve(Duration.ofSeconds(20));
  private final TimeBudget budget = new TimeBudget(config, clock::get, 0, 1_000, 1_000);

  @Test
  void warmsUpLinearlyThenFollowsACosineToZero() {
    LearningRateSchedule schedule = LearningRateSchedule.warmUpCosine(0.1f);

    schedule.setProgress(0);
    assertThat(schedule.current()).isCloseTo(0.001f, within(1e-6f));
    schedule.setProgress(0.025);
    assertThat(schedule.current()).isCloseTo(0.05f, within(1e-6f));
    schedule.setProgress(0.05);
    assertThat(schedule.current()).isCloseTo(0.1f, within(1e-6f));
    schedule.setProgress(0.525);
    assertThat(schedule.current()).isCloseTo(0.05f, within(1e-6f));
    schedule.setProgress(1);
    assertThat(schedule.current()).isCloseTo(0f, within(1e-6f));
  }

  @Test
  void stepScheduleIgnoresTheClock() {
    LearningRateSchedule schedule = LearningRateSchedule.warmUpCosine(0.1f);
    ScheduleProgress progress = new ScheduleProgress(schedule, TrainingConfig.Schedule.STEPS, budget, 100);

    clock.set(70 * SECOND); // a slow machine: most of the budget gone after one step
    progress.advance();
    progress.advance();

    // the second update is at step 1 of 100: 1% of the way, still warming up
    LearningRateSchedule expected = LearningRateSchedule.warmUpCosine(0.1f);
    expected.setProgress(0.01);
    assertThat(schedule.current()).isEqualTo(expected.current());
  }

  @Test
  void wallClockScheduleFollowsTheClockWhenItIsAheadOfTheSteps() {
    LearningRateSchedule schedule = LearningRateSchedule.warmUpCosine(0.1f);
    ScheduleProgress progress = new ScheduleProgress(schedule, TrainingConfig.Schedule.WALL_CLOCK, budget, 100);

    clock.set(40 * SECOND); // half of the 80 s left for training
    progress.advance();

    LearningRateSchedule expected = LearningRateSchedule.warmUpCosine(0.1f);
    expected.setProgress(0.5);
    assertThat(schedule.current()).isEqualTo(expected.current());
  }

  @Test
  void wallClockScheduleNeverGoesBackWhenTheDeadlineMovesLater() {
    LearningRateSchedule schedule = LearningRateSchedule.warmUpCosine(0.1f);
    ScheduleProgress progress = new ScheduleProgress(schedule, TrainingConfig.Schedule.WALL_CLOCK, budget, 100);
    budget.reserveFor(10_000_000); // slow inference measured: 1.3 * 10 ms * 2,000 images + 4 s = 30 s reserve
    clock.set(35 * SECOND); // half of the 70 s now left for training
    progress.advance();
    float halfway = schedule.current();
    LearningRateSchedule expected = LearningRateSchedule.warmUpCosine(0.1f);
    expected.setProgress(0.5);
    assertThat(halfway).isEqualTo(expected.current());

    budget.reserveFor(1_000); // then fast: the 20 s minimum reserve again, 35 s of 80 s is less than half
    progress.advance();

    assertThat(budget.deadline()).isEqualTo(80 * SECOND);
    assertThat(schedule.current()).isEqualTo(halfway);
  }
}
