package io.fashionclassifier.streaming;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * How long outputs wait for their commit: from the moment a batch is forwarded to the end of the commit that makes
 * it visible (the transaction's commit under exactly-once, the producer's flush under at-least-once), per record;
 * and how long each commit takes, where broker stalls show. The micro-batcher says what it forwarded
 * ({@link #forwarded}) and the stream thread's producer ({@link CommitTimingClients}) when it committed: both run
 * on the stream thread, so the batches waiting for a commit are kept per thread.
 */
public final class CommitLatency {

  /** Told, when a commit ends, of each batch it made visible; for {@code bench}, which times the readers. */
  @FunctionalInterface
  public interface Listener {
    /**
     * @param classifiedTime the batch's classification time, which its verdicts carry
     * @param committedAt wall-clock time the commit ended, epoch milliseconds
     */
    void committed(long classifiedTime, long committedAt);
  }

  /**
   * Batches a thread may hold uncommitted before the oldest are forgotten: a processor driven without a committing
   * producer (a test driver) must not grow without bound.
   */
  private static final int MAX_PENDING = 4_096;

  private record Forwarded(long nanos, int records, long classifiedTime) {}

  private final ThreadLocal<ArrayDeque<Forwarded>> pending = ThreadLocal.withInitial(ArrayDeque::new);
  private final Timer commitWait;
  private final Timer commitTime;
  private volatile Listener listener;

  CommitLatency(MeterRegistry registry) {
    commitWait = Timer.builder("fashion.commit.wait")
        .description("Time from a record's verdict or dead letter being forwarded to the end of the commit that makes "
            + "it visible, per record")
        .publishPercentileHistogram()
        .register(registry);
    commitTime = Timer.builder("fashion.commit.time")
        .description("Time the stream thread spends in one commit (the transaction's commit under exactly-once, the "
            + "producer's flush under at-least-once)")
        .publishPercentileHistogram()
        .register(registry);
  }

  void listen(Listener listener) {
    this.listener = listener;
  }

  /** On the stream thread: a batch of {@code records} outputs was forwarded and waits for the next commit. */
  void forwarded(int records, long classifiedTime) {
    ArrayDeque<Forwarded> batches = pending.get();
    if (batches.size() >= MAX_PENDING) {
      batches.removeFirst();
    }
    batches.addLast(new Forwarded(System.nanoTime(), records, classifiedTime));
  }

  /** On the stream thread: a commit that began at {@code startedNanos} has just ended. */
  void committed(long startedNanos) {
    long ended = System.nanoTime();
    commitTime.record(Duration.ofNanos(ended - startedNanos));
    ArrayDeque<Forwarded> batches = pending.get();
    if (batches.isEmpty()) {
      return;
    }
    long committedAt = System.currentTimeMillis();
    Listener told = listener;
    for (Forwarded batch : batches) {
      Duration wait = Duration.ofNanos(ended - batch.nanos());
      for (int i = 0; i < batch.records(); i++) {
        commitWait.record(wait);
      }
      if (told != null) {
        told.committed(batch.classifiedTime(), committedAt);
      }
    }
    batches.clear();
  }

  /** On the stream thread: the transaction was aborted, and what it held is sent again after the retry. */
  void aborted() {
    pending.get().clear();
  }
}
