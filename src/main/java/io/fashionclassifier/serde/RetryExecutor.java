package io.fashionclassifier.serde;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a registry call again after the failures that may pass ({@link SchemaRegistryException#isRetriable()}: no
 * answer, 5xx, 408, 429), never after an answer about the request itself (any other 4xx), at most
 * {@value AvroSerdeConfig#MAX_RETRIES} times, and never past {@value AvroSerdeConfig#HTTP_TOTAL_TIMEOUT_MS}: a retry
 * whose wait would not leave time for it is not made.
 *
 * <p>Before retry n (from 0) it waits a time drawn uniformly from [0, min({@value AvroSerdeConfig#RETRIES_MAX_WAIT_MS},
 * {@value AvroSerdeConfig#RETRIES_WAIT_MS} x 2^n)] ms: exponential backoff with full jitter, as Confluent's
 * {@code RetryExecutor} does. A fixed schedule would bring every client that failed together (each stream thread of
 * each instance, after an outage) back together, in a burst that can make the registry fail again.
 */
final class RetryExecutor {

  /** One attempt, which must end by the deadline, on {@link #clock}'s time line. */
  @FunctionalInterface
  interface Attempt<T> {
    T run(long deadlineNanos);
  }

  /** Draws a wait uniformly from [0, ceiling] ms. */
  @FunctionalInterface
  interface Jitter {
    long draw(long ceilingMillis);
  }

  @FunctionalInterface
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  /** A fair draw from [0, ceiling]: what every production executor waits. */
  static final Jitter FULL_JITTER = ceiling -> ThreadLocalRandom.current().nextLong(ceiling + 1);

  /** 2^30 times any int of ms is still a long; far past every cap anyway. */
  private static final int MAX_DOUBLINGS = 30;
  private static final Logger log = LoggerFactory.getLogger(RetryExecutor.class);

  private final int maxRetries;
  private final long initialWaitMs;
  private final long maxWaitMs;
  private final long totalTimeoutNanos;
  private final LongSupplier clock;
  private final Jitter jitter;
  private final Sleeper sleeper;

  RetryExecutor(int maxRetries, Duration initialWait, Duration maxWait, Duration totalTimeout, LongSupplier clock,
      Jitter jitter, Sleeper sleeper) {
    this.maxRetries = maxRetries;
    this.initialWaitMs = initialWait.toMillis();
    this.maxWaitMs = maxWait.toMillis();
    this.totalTimeoutNanos = totalTimeout.toNanos();
    this.clock = clock;
    this.jitter = jitter;
    this.sleeper = sleeper;
  }

  /** The executor of the configured retries, on {@link System#nanoTime()}, {@link Thread#sleep} and a fair draw. */
  static RetryExecutor of(AvroSerdeConfig config) {
    return new RetryExecutor(config.maxRetries(), config.retriesWait(), config.retriesMaxWait(),
        config.totalTimeout(), System::nanoTime, FULL_JITTER, Thread::sleep);
  }

  /**
   * The attempt's result; its last failure once retries, or the time for them, ran out, except that a retry the
   * deadline cut short (drawn waits can leave it little time) gives way to the failure before it, which says what
   * the registry answered.
   */
  <T> T call(Attempt<T> attempt) {
    long deadline = clock.getAsLong() + totalTimeoutNanos;
    SchemaRegistryException previous = null;
    for (int retry = 0; ; retry++) {
      try {
        return attempt.run(deadline);
      } catch (SchemaRegistryException failure) {
        if (!failure.isRetriable()) {
          throw failure;
        }
        if (previous != null && clock.getAsLong() - deadline >= 0) {
          previous.addSuppressed(failure);
          throw previous;
        }
        if (retry >= maxRetries) {
          throw failure;
        }
        long wait = waitBefore(retry);
        if (wait >= TimeUnit.NANOSECONDS.toMillis(deadline - clock.getAsLong())) {
          throw failure;
        }
        log.warn("Schema registry request failed, retry {} of {} in {} ms: {}", retry + 1, maxRetries, wait,
            failure.getMessage());
        sleep(wait);
        previous = failure;
      }
    }
  }

  /** The most retry n (from 0) may wait: the initial wait doubled n times, capped. */
  long ceilingMillis(int retry) {
    return Math.min(maxWaitMs, initialWaitMs << Math.min(retry, MAX_DOUBLINGS));
  }

  private long waitBefore(int retry) {
    long ceiling = ceilingMillis(retry);
    return ceiling <= 0 ? 0 : jitter.draw(ceiling);
  }

  private void sleep(long millis) {
    try {
      sleeper.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    }
  }
}
