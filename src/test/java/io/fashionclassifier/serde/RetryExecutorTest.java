package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.kafka.common.errors.InterruptException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The retry layer on its own, on a clock, draw and sleep of the test's, so every schedule is exact. */
class RetryExecutorTest {

  /** The test's time line: sleeping moves it on, and so may an attempt. */
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<Long> sleeps = new ArrayList<>();
  private final List<Long> ceilings = new ArrayList<>();
  private final AtomicInteger attempts = new AtomicInteger();

  private RetryExecutor executor(int maxRetries, long initialMs, long maxMs, long totalMs,
      RetryExecutor.Jitter jitter) {
    return new RetryExecutor(maxRetries, Duration.ofMillis(initialMs), Duration.ofMillis(maxMs),
        Duration.ofMillis(totalMs), now::get, ceiling -> {
          ceilings.add(ceiling);
          return jitter.draw(ceiling);
        }, millis -> {
          sleeps.add(millis);
          now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        });
  }

  private static RetryExecutor.Jitter always(long fraction, long of) {
    return ceiling -> ceiling * fraction / of;
  }

  /** An attempt that fails with this status (and error code) every time. */
  private <T> RetryExecutor.Attempt<T> failingWith(int status) {
    return deadline -> {
      attempts.incrementAndGet();
      throw new SchemaRegistryException("scripted", status, status == 0 ? SchemaRegistryException.UNREACHABLE
          : status);
    };
  }

  @Test
  void theCeilingDoublesFromTheInitialWaitUpToTheCap() {
    RetryExecutor retry = executor(6, 100, 1000, 60_000, always(1, 1));

    catchThrowableOfType(SchemaRegistryException.class, () -> retry.call(failingWith(503)));

    assertThat(ceilings).containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L);
    assertThat(sleeps).isEqualTo(ceilings);
    assertThat(attempts).hasValue(7);
  }

  @Test
  void eachWaitIsWhatWasDrawnBelowItsCeiling() {
    RetryExecutor retry = executor(3, 100, 1000, 60_000, always(1, 4));

    catchThrowableOfType(SchemaRegistryException.class, () -> retry.call(failingWith(503)));

    assertThat(sleeps).containsExactly(25L, 50L, 100L);
  }

  @Test
  void aDrawOfZeroRetriesAtOnce() {
    RetryExecutor retry = executor(3, 100, 1000, 60_000, always(0, 1));

    catchThrowableOfType(SchemaRegistryException.class, () -> retry.call(failingWith(503)));

    assertThat(sleeps).containsExactly(0L, 0L, 0L);
    assertThat(attempts).hasValue(4);
  }

  @Test
  void theCeilingDoesNotOverflowAfterManyRetries() {
    RetryExecutor retry = executor(0, Integer.MAX_VALUE, Integer.MAX_VALUE, 1, always(1, 1));

    assertThat(LongStream.of(0, 1, 30, 31, 64, 1000).map(n -> retry.ceilingMillis((int) n)))
        .containsOnly((long) Integer.MAX_VALUE);
  }

  @Test
  void theProductionDrawIsFairOverZeroToTheCeilingInclusive() {
    LongSummaryStatistics draws = LongStream.range(0, 20_000)
        .map(i -> RetryExecutor.FULL_JITTER.draw(100)).summaryStatistics();

    assertThat(draws.getMin()).isZero();
    assertThat(draws.getMax()).isEqualTo(100);
    // 20,000 uniform draws from 0..100: mean 50, standard error 0.2.
    assertThat(draws.getAverage()).isBetween(48.0, 52.0);
  }

  @Test
  void returnsTheFirstSuccess() {
    RetryExecutor retry = executor(5, 10, 40, 60_000, always(1, 1));

    String answer = retry.call(deadline -> {
      if (attempts.incrementAndGet() < 3) {
        throw new SchemaRegistryException("scripted", 503, SchemaRegistryException.STORE_ERROR);
      }
      return "answer";
    });

    assertThat(answer).isEqualTo("answer");
    assertThat(sleeps).containsExactly(10L, 20L);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 500, 502, 503, 504, 408, 429})
  void retriesWhatMayPassUntilMaxRetries(int status) {
    RetryExecutor retry = executor(2, 10, 40, 60_000, always(1, 1));

    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> retry.call(failingWith(status)));

    assertThat(e.status()).isEqualTo(status);
    assertThat(attempts).hasValue(3);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 409, 422})
  void neverRetriesAnAnswerAboutTheRequest(int status) {
    RetryExecutor retry = executor(5, 10, 40, 60_000, always(1, 1));

    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> retry.call(failingWith(status)));

    assertThat(e.status()).isEqualTo(status);
    assertThat(attempts).hasValue(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void anyOtherFailureIsNotRetried() {
    RetryExecutor retry = executor(5, 10, 40, 60_000, always(1, 1));

    IllegalStateException e = catchThrowableOfType(IllegalStateException.class, () -> retry.call(deadline -> {
      attempts.incrementAndGet();
      throw new IllegalStateException("a bug, not an outage");
    }));

    assertThat(e).hasMessage("a bug, not an outage");
    assertThat(attempts).hasValue(1);
  }

  @Test
  void everyAttemptGetsTheDeadlineOfTheWholeCall() {
    List<Long> deadlines = new ArrayList<>();
    long start = now.get();
    RetryExecutor retry = executor(3, 10, 40, 1000, always(1, 1));

    catchThrowableOfType(SchemaRegistryException.class, () -> retry.call(deadline -> {
      deadlines.add(deadline);
      throw new SchemaRegistryException("scripted", 503, SchemaRegistryException.STORE_ERROR);
    }));

    assertThat(deadlines).hasSize(4).containsOnly(start + TimeUnit.MILLISECONDS.toNanos(1000));
  }

  @Test
  void noRetryWhoseWaitWouldReachTheDeadline() {
    RetryExecutor retry = executor(100, 400, 400, 1000, always(1, 1));

    catchThrowableOfType(SchemaRegistryException.class, () -> retry.call(failingWith(503)));

    // 0 ms: attempt, wait 400; 400 ms: attempt, wait 400; 800 ms: attempt, 200 ms left < 400: give up.
    assertThat(sleeps).containsExactly(400L, 400L);
    assertThat(attempts).hasValue(3);
  }

  @Test
  void theDeadlineHoldsWhateverIsDrawn() {
    RetryExecutor retry = executor(100, 400, 400, 1000, always(0, 1));

    catchThrowableOfType(SchemaRegistryException.class, () -> retry.call(deadline -> {
      attempts.incrementAndGet();
      now.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));
      throw new SchemaRegistryException("scripted", 0, SchemaRegistryException.UNREACHABLE);
    }));

    // Attempts that each take 300 ms, no waits between them: the fourth ends past the 1 s budget.
    assertThat(attempts).hasValue(4);
  }

  @Test
  void aRetryTheDeadlineCutShortGivesWayToTheAnswerBeforeIt() {
    RetryExecutor retry = executor(5, 100, 100, 1000, always(1, 1));

    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class, () -> retry.call(deadline -> {
      if (attempts.incrementAndGet() == 1) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(850));
        throw new SchemaRegistryException("store unavailable", 503, SchemaRegistryException.STORE_ERROR);
      }
      now.set(deadline);
      throw new SchemaRegistryException("no complete answer in time", 0, SchemaRegistryException.UNREACHABLE);
    }));

    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.STORE_ERROR);
    assertThat(e.getSuppressed()).singleElement()
        .satisfies(cut -> assertThat(cut).hasMessageContaining("no complete answer in time"));
    assertThat(attempts).hasValue(2);
  }

  @Test
  void anInterruptedWaitEndsTheCallAndKeepsTheInterrupt() {
    RetryExecutor retry = new RetryExecutor(5, Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofSeconds(60),
        now::get, RetryExecutor.FULL_JITTER, millis -> {
          throw new InterruptedException("shutting down");
        });

    try {
      InterruptException e = catchThrowableOfType(InterruptException.class, () -> retry.call(failingWith(503)));

      assertThat(e).isNotNull();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(attempts).hasValue(1);
    } finally {
      Thread.interrupted();
    }
  }
}
