package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Liveness sees a stuck stream task: work that does not end, or records held and never flushed. */
class StreamProgressTest {

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final StreamProgress progress = new StreamProgress(Duration.ofSeconds(60), clock::get);
  private final StreamProgress.Task task = progress.task("0_1");

  @Test
  void workThatEndsWithinTheStallTimeIsProgress() {
    for (int i = 1; i <= 100; i++) {
      task.working();
      clock.addAndGet(10_000);
      task.idle(i % 4); // every fourth piece of work is a flush
    }
    assertThat(progress.stall()).isEmpty();
    task.working();
    task.idle(0);
    clock.addAndGet(3_600_000);

    assertThat(progress.stall()).as("idle with nothing held is not stuck").isEmpty();
  }

  @Test
  void workRunningPastTheStallTimeIsAStall() {
    task.working();
    clock.addAndGet(60_000);
    assertThat(progress.stall()).isEmpty();

    clock.addAndGet(1);
    assertThat(progress.stall()).hasValueSatisfying(
        stall -> assertThat(stall).isEqualTo("task 0_1 has been working on one record or batch for 60001 ms"));
  }

  @Test
  void recordsHeldPastTheStallTimeWithoutAFlushAreAStall() {
    task.working();
    task.idle(3);
    clock.addAndGet(40_000);
    task.working();
    task.idle(4); // more records arrive, none flushed: the clock runs from the first
    clock.addAndGet(20_001);

    assertThat(progress.stall()).hasValueSatisfying(
        stall -> assertThat(stall).isEqualTo("task 0_1 has held 4 records for 60001 ms without flushing them"));
  }

  @Test
  void aClosedTaskNoLongerCounts() {
    task.idle(5);
    clock.addAndGet(120_000);
    assertThat(progress.stall()).isPresent();

    task.close();
    assertThat(progress.stall()).isEmpty();
  }

  @Test
  void aDeliberateRetryRestartsTheClocks() {
    task.idle(5);
    task.working();
    clock.addAndGet(50_000);
    task.retrying();
    clock.addAndGet(50_000);

    assertThat(progress.stall()).isEmpty();
  }
}
