package io.fashionclassifier.streaming;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Whether the stream threads are getting on with their work, for the liveness probe: Kafka Streams' state stays
 * RUNNING while a thread spins on one record or blocks in a call that never returns, and only a restart helps.
 *
 * <p>Each micro-batcher (one per task) reports through its own {@link Task}: that it is working on a record or a
 * flush ({@link Task#working()}), that it is done with it and how many records it now holds
 * ({@link Task#idle(int)}), that it waits on purpose ({@link Task#retrying()}) and that it closed
 * ({@link Task#close()}). A task is stalled when one piece of work
 * has run for longer than the stall time, or when it has held records for longer than that without emptying its
 * batch (its flushes never come). Reporting costs a volatile read and a write or two; {@link #stall()} is read
 * only by the probe.
 */
public final class StreamProgress {

  private static final long NONE = Long.MIN_VALUE;

  private final long stallMillis;
  private final LongSupplier clock;
  private final Set<Task> tasks = ConcurrentHashMap.newKeySet();

  /**
   * @param stallAfter how long one piece of work, or records held without a flush, may last before the stream
   *     counts as stuck
   * @param clock milliseconds, e.g. {@code System::currentTimeMillis}
   */
  public StreamProgress(Duration stallAfter, LongSupplier clock) {
    if (stallAfter.toMillis() <= 0) {
      throw new IllegalArgumentException("the stall time must be positive, not " + stallAfter);
    }
    this.stallMillis = stallAfter.toMillis();
    this.clock = clock;
  }

  public StreamProgress(Duration stallAfter) {
    this(stallAfter, System::currentTimeMillis);
  }

  /** A new reporter for one task (say, in {@code Processor#init}); {@link Task#close()} it with the task. */
  public Task task(String name) {
    Task task = new Task(name);
    tasks.add(task);
    return task;
  }

  /** What is stuck and for how long, or empty while every task gets on. */
  public Optional<String> stall() {
    long now = clock.getAsLong();
    for (Task task : tasks) {
      long working = task.workingSince;
      if (working != NONE && now - working > stallMillis) {
        return Optional.of("task " + task.name + " has been working on one record or batch for "
            + (now - working) + " ms");
      }
      long holding = task.holdingSince;
      if (holding != NONE && now - holding > stallMillis) {
        return Optional.of("task " + task.name + " has held " + task.pending + " records for " + (now - holding)
            + " ms without flushing them");
      }
    }
    return Optional.empty();
  }

  /** The reports of one task; called by that task's stream thread only. */
  public final class Task implements AutoCloseable {
    private final String name;
    /** Clock when the current piece of work started, NONE when none is under way. */
    private volatile long workingSince = NONE;
    /** Clock when the task last went from holding no record to holding some, NONE while it holds none. */
    private volatile long holdingSince = NONE;
    private volatile int pending;

    private Task(String name) {
      this.name = name;
    }

    /** Work on one record or flush starts (at the top of {@code process} and of a punctuation). */
    public void working() {
      workingSince = clock.getAsLong();
    }

    /**
     * The task waits on purpose, within bounds (a retry during a registry or broker outage): neither the current
     * work nor the records it holds count as stuck from before this call.
     */
    public void retrying() {
      long now = clock.getAsLong();
      if (workingSince != NONE) {
        workingSince = now;
      }
      if (holdingSince != NONE) {
        holdingSince = now;
      }
    }

    /**
     * The work is over (call it in a {@code finally}, failures included), and the task now holds {@code pending}
     * records in its batch.
     */
    public void idle(int pending) {
      if (pending == 0) {
        holdingSince = NONE;
      } else if (holdingSince == NONE) {
        holdingSince = clock.getAsLong();
      }
      this.pending = pending;
      workingSince = NONE;
    }

    /** The task is closed (suspended, migrated or the app stops): what it held is no longer its to flush. */
    @Override
    public void close() {
      tasks.remove(this);
    }
  }
}
