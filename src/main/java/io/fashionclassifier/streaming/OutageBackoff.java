package io.fashionclassifier.streaming;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * Retry in place while a dependency every record needs (the schema registry) is down: the failed stream thread
 * waits out a backoff that doubles up to a bound and is then replaced, resuming from the last commit, so nothing is
 * dead-lettered and the process never exits. Readiness is off from the first failure until records make progress
 * again.
 *
 * <p>Each pause is drawn between half its ceiling and the ceiling ("equal jitter"): after an outage every stream
 * thread of every instance fails at nearly the same moment, and pauses of the same length would bring them all back
 * to the registry and the group coordinator in step; the lower half keeps each pause growing with the failures.
 */
final class OutageBackoff {

  private static final long FIRST_PAUSE_MS = 250;
  private static final int TRANSACTION_REPLACEMENTS = 5;
  private static final long TRANSACTION_WINDOW_MS = 600_000;

  private final java.util.ArrayDeque<Long> transactionReplacements = new java.util.ArrayDeque<>();

  /** Draws a number in [0, bound]. */
  static final LongUnaryOperator RANDOM = bound -> ThreadLocalRandom.current().nextLong(bound + 1);

  private final long maxPauseMs;
  private final LongSupplier progress;
  private final LongUnaryOperator random;
  private final CountDownLatch closing = new CountDownLatch(1);
  private int failures;
  private boolean active;
  private long progressAtFailure;

  /**
   * @param progress a count that grows whenever records are classified or dead-lettered
   */
  OutageBackoff(Duration maxPause, LongSupplier progress) {
    this(maxPause, progress, RANDOM);
  }

  /**
   * @param random draws a number in [0, bound]
   */
  OutageBackoff(Duration maxPause, LongSupplier progress, LongUnaryOperator random) {
    this.maxPauseMs = maxPause.toMillis();
    this.progress = progress;
    this.random = random;
  }

  /** Records one more failure and returns how long to wait before retrying: between half the ceiling and it. */
  synchronized Duration failed() {
    if (!active || progress.getAsLong() != progressAtFailure) {
      failures = 0;
    }
    active = true;
    progressAtFailure = progress.getAsLong();
    failures++;
    long ceiling = Math.min(FIRST_PAUSE_MS << Math.min(failures - 1, 20), maxPauseMs);
    long half = ceiling / 2;
    return Duration.ofMillis(ceiling - half + random.applyAsLong(half));
  }

  /** Whether an outage is going on: failed, and no progress since. */
  synchronized boolean active() {
    if (active && progress.getAsLong() != progressAtFailure) {
      active = false;
      failures = 0;
    }
    return active;
  }

  /** Waits {@code pause}, or less when the application closes; returns false when it is closing. */
  boolean pause(Duration pause) {
    try {
      return !closing.await(pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Whether one more stream thread may be replaced after a transaction the brokers lost (a broker killed mid-
   * commit): at most {@value #TRANSACTION_REPLACEMENTS} in {@value #TRANSACTION_WINDOW_MS} ms, so an error that
   * comes back every time still stops the instance instead of looping.
   */
  synchronized boolean mayReplaceAfterTransactionError(long nowMs) {
    while (!transactionReplacements.isEmpty() && nowMs - transactionReplacements.peekFirst() > TRANSACTION_WINDOW_MS) {
      transactionReplacements.pollFirst();
    }
    if (transactionReplacements.size() >= TRANSACTION_REPLACEMENTS) {
      return false;
    }
    transactionReplacements.addLast(nowMs);
    return true;
  }

  void close() {
    closing.countDown();
  }
}
