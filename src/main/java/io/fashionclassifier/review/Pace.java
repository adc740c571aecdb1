package io.fashionclassifier.review;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/** One reviewer's decisions per minute over a recent stretch of time (a steady figure, not since login). */
final class Pace {

  static final Duration WINDOW = Duration.ofMinutes(5);

  private final Deque<Instant> decisions = new ArrayDeque<>();
  private Instant first;

  void decided(Instant at) {
    if (first == null) {
      first = at;
    }
    decisions.addLast(at);
    forgetBefore(at.minus(WINDOW));
  }

  double perMinute(Instant now) {
    forgetBefore(now.minus(WINDOW));
    if (first == null || decisions.isEmpty()) {
      return 0;
    }
    Instant from = first.isAfter(now.minus(WINDOW)) ? first : now.minus(WINDOW);
    // at least one minute, so that the first quick decision does not read as a huge pace
    double minutes = Math.max(1.0, Duration.between(from, now).toMillis() / 60_000.0);
    return decisions.size() / minutes;
  }

  private void forgetBefore(Instant cutoff) {
    while (!decisions.isEmpty() && decisions.peekFirst().isBefore(cutoff)) {
      decisions.pollFirst();
    }
  }
}
