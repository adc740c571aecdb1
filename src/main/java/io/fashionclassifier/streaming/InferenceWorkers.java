package io.fashionclassifier.streaming;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads the model runs on, apart from the stream threads, so that Kafka's work (polling, buffering,
 * committing) and the model's overlap. Shared by every task of the application: each task has at most one batch
 * here at a time, and the batches wait in one first-come queue, so no task's batches get ahead of another's.
 *
 * <p>{@link #sameThread()} runs each batch on the thread that hands it over, as a {@code TopologyTestDriver} needs.
 */
final class InferenceWorkers implements AutoCloseable {

  private final ExecutorService executor;

  private InferenceWorkers(ExecutorService executor) {
    this.executor = executor;
  }

  /** {@code threads} model threads, daemons named {@code fashion-inference-N}. */
  static InferenceWorkers threads(int threads) {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), work -> {
          Thread thread = new Thread(work, "fashion-inference-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    return new InferenceWorkers(executor);
  }

  /** Each batch classified at once on the handing thread: the result is complete when {@link #submit} returns. */
  static InferenceWorkers sameThread() {
    return new InferenceWorkers(null);
  }

  /** Runs {@code batch} on a model thread; an exception it throws completes the result exceptionally. */
  <T> CompletableFuture<T> submit(Supplier<T> batch) {
    if (executor == null) {
      try {
        return CompletableFuture.completedFuture(batch.get());
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return CompletableFuture.supplyAsync(batch, executor);
  }

  /**
   * Stops taking batches and gives those running a few seconds: Kafka Streams has closed (or given up on) its
   * tasks by now, and a task waits for its own batch when it closes, so this only bounds a model call that hangs.
   */
  @Override
  public void close() {
    if (executor == null) {
      return;
    }
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
