package io.fashionclassifier.streaming;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * The WARN lines about dead letters: hostile input can make thousands a second, so each reason gets one line per
 * interval, and the next line says how many were not logged since. The counts by reason are in
 * {@code fashion_dead_letters_total}; every dead letter carries its own reason headers.
 */
final class DeadLetterLog {

  static final Duration INTERVAL = Duration.ofSeconds(10);

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Window> windows = new HashMap<>();

  private static final class Window {
    long openedAt;
    long unlogged;
  }

  DeadLetterLog(Logger log, Duration interval, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Logs this dead letter when its reason had no line in the last interval, or counts it for the next line. */
  void deadLettered(String reason, String detail) {
    long now = nanoTime.getAsLong();
    long unlogged;
    synchronized (windows) {
      Window window = windows.get(reason);
      if (window != null && now - window.openedAt < intervalNanos) {
        window.unlogged++;
        return;
      }
      if (window == null) {
        window = new Window();
        windows.put(reason, window);
      }
      unlogged = window.unlogged;
      window.openedAt = now;
      window.unlogged = 0;
    }
    if (unlogged == 0) {
      log.warn("dead letter ({}) from {}", reason, detail);
    } else {
      log.warn("dead letter ({}) from {} ({} more with this reason not logged since the last line)", reason, detail,
          unlogged);
    }
  }
}
