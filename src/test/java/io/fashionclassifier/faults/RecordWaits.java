package io.fashionclassifier.faults;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.utils.Utils;

/**
 * What a fault cost in time, read from the committed verdicts alone: each carries its item's capture time and the
 * time it was classified, so a record's wait (capture to verdict) needs no clock of the harness, and the verdicts
 * of one input partition, in the order they were classified, show when that partition stopped and went on.
 *
 * <p>A <em>pause</em> is a gap of more than {@link #PAUSE_MS} between two consecutive verdicts of one input
 * partition that a waiting record closes (the verdict after the gap is of a record captured more than
 * {@code PAUSE_MS} before it): under the harness's steady load every partition gets records many times a second,
 * so such a gap is a partition that had work and did not do it.
 */
final class RecordWaits {

  /** A gap between verdicts that counts as a stop of its partition. */
  static final long PAUSE_MS = 1_000;

  /** One committed verdict: its item's input partition, capture time and classified time (epoch ms). */
  record Timing(String itemId, int partition, long captureMs, long classifiedMs) {
    long waitMs() {
      return classifiedMs - captureMs;
    }
  }

  /** A partition without verdicts from {@code fromMs} to {@code toMs} while a record waited. */
  record Pause(int partition, long fromMs, long toMs) {
    long lengthMs() {
      return toMs - fromMs;
    }
  }

  /**
   * One fault's figures: the longest wait of a record in flight at or after it, and the longest pause of a
   * partition begun after it with the time from the fault until the last such pause ended (the group processing on
   * every partition again); both pauses empty when no partition stopped.
   */
  record Figures(String fault, long longestWaitMs, String longestWaiting, Optional<Pause> longestPause,
      long processingAgainAfterMs) {

    String line() {
      return String.format("%-28s longest wait %6.1f s (%s), %s", fault, longestWaitMs / 1e3, longestWaiting,
          longestPause.map(p -> String.format("longest pause %5.1f s (partition %d), all partitions processing "
                  + "again %5.1f s after the fault", p.lengthMs() / 1e3, p.partition(), processingAgainAfterMs / 1e3))
              .orElse("no partition paused over " + PAUSE_MS + " ms"));
    }
  }

  private final List<Timing> timings;
  private final Map<Integer, List<Timing>> byPartition = new HashMap<>();

  RecordWaits(List<Timing> timings) {
    this.timings = List.copyOf(timings);
    for (Timing timing : timings) {
      byPartition.computeIfAbsent(timing.partition(), p -> new ArrayList<>()).add(timing);
    }
    byPartition.values().forEach(list -> list.sort(Comparator.comparingLong(Timing::classifiedMs)));
  }

  /** The input partition the scanners' producer chose for {@code itemId} (Kafka's default partitioner). */
  static int partitionOf(String itemId, int partitions) {
    return Utils.toPositive(Utils.murmur2(itemId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  int verdicts() {
    return timings.size();
  }

  /** The longest wait of any committed verdict. */
  long longestWaitMs() {
    return timings.stream().mapToLong(Timing::waitMs).max().orElse(0);
  }

  /**
   * The figures of the fault at {@code faultMs}, counting the records in flight between it and {@code untilMs} (the
   * next fault, or {@link Long#MAX_VALUE}): classified at or after the fault and captured before {@code untilMs}; and
   * the pauses that ended after it and began after {@code sinceMs} (the previous fault, or {@link Long#MIN_VALUE}):
   * a pause begins at the partition's last committed verdict, which after a kill can be a commit interval before it.
   */
  Figures of(String fault, long sinceMs, long faultMs, long untilMs) {
    Timing longest = null;
    for (Timing timing : timings) {
      if (timing.classifiedMs() >= faultMs && timing.captureMs() < untilMs
          && (longest == null || timing.waitMs() > longest.waitMs())) {
        longest = timing;
      }
    }
    List<Pause> pauses = pauses().stream()
        .filter(p -> p.toMs() > faultMs && p.fromMs() >= sinceMs && p.fromMs() < untilMs)
        .toList();
    Optional<Pause> longestPause = pauses.stream().max(Comparator.comparingLong(Pause::lengthMs));
    long again = pauses.stream().mapToLong(Pause::toMs).max().orElse(faultMs) - faultMs;
    return new Figures(fault, longest == null ? 0 : longest.waitMs(),
        longest == null ? "no record" : longest.itemId() + " on partition " + longest.partition(), longestPause,
        again);
  }

  /** Every pause of every partition. */
  List<Pause> pauses() {
    List<Pause> pauses = new ArrayList<>();
    byPartition.forEach((partition, list) -> {
      for (int i = 1; i < list.size(); i++) {
        Timing before = list.get(i - 1);
        Timing after = list.get(i);
        if (after.classifiedMs() - before.classifiedMs() > PAUSE_MS && after.waitMs() > PAUSE_MS) {
          pauses.add(new Pause(partition, before.classifiedMs(), after.classifiedMs()));
        }
      }
    });
    return pauses;
  }
}
