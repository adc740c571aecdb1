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

  /** Records per second from the end of the ramp to the last arrival; 0 with fewer than 3 arrivals. */
  synchronized double steadyRate() {
    if (count < 3) {
      return 0;
    }
    int from = Math.min((int) (count * RAMP), count - 2);
    double seconds = (nanos[count - 1] - nanos[from]) / 1e9;
    return seconds <= 0 ? 0 : (count - 1 - from) / seconds;
  }

  /** Seconds from the first to the last arrival. */
  synchronized double seconds() {
    return count < 2 ? 0 : (nanos[count - 1] - nanos[0]) / 1e9;
  }
}
