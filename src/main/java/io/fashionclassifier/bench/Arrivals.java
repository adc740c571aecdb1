package io.fashionclassifier.bench;

import java.util.Arrays;

/** When each output record became visible downstream, for a rate that leaves out the start-up ramp. */
final class Arrivals {

  /** The first tenth of a run's outputs includes the model's first calls (kernel set-up) and the group's join. */
  static final double RAMP = 0.1;

  private long[] nanos = new long[1024];
  private int count;

  synchronized void add(long nanoTime) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, count * 2);
    }
    nanos[count++] = nanoTime;
  }

  synchronized int count() {
    return count;
  }

  /**
   * Records per second from the end of the ramp to the last arrival. When the outputs arrived in too few steps
   * for that (a short run whose records all became visible in one or two transactions), records per second from
   * {@code startNanos}, when the work began, to the last arrival; 0 without arrivals.
   */
  synchronized double steadyRate(long startNanos) {
    if (count == 0) {
      return 0;
    }
    int from = Math.min((int) (count * RAMP), count - 1);
    double seconds = (nanos[count - 1] - nanos[from]) / 1e9;
    if (count - 1 - from >= 2 && seconds > 0.05) {
      return (count - 1 - from) / seconds;
    }
    double sinceStart = (nanos[count - 1] - startNanos) / 1e9;
    return sinceStart <= 0 ? 0 : count / sinceStart;
  }

  /** When the {@code n}th output arrived (counting from 1), or -1 if it has not. */
  synchronized long nanosOf(long n) {
    return n < 1 || n > count ? -1 : nanos[(int) n - 1];
  }

  /** Seconds from the first to the last arrival. */
  synchronized double seconds() {
    return count < 2 ? 0 : (nanos[count - 1] - nanos[0]) / 1e9;
  }
}
