package io.fashionclassifier.demo;

import io.fashionclassifier.schema.ClassifiedItem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Figures the demo measures from what a consumer sees on the output topics: throughput, end-to-end latency
 * (from capture to the moment the labelled item is visible to a read_committed consumer), accuracy over the
 * labelled items, and dead letters. Computed independently of the classifier's own aggregates so that the two
 * can be checked against each other.
 */
public final class DemoStats {

  /** A misclassified item worth showing. */
  public record Mistake(String itemId, String scannerId, int predicted, int truth, float confidence) {}

  private static final int MISTAKES_KEPT = 10;

  // 1 ms .. 10 min at 3 significant digits
  private final Histogram latencyMillis = new Histogram(1, 600_000, 3);
  private final Histogram batchedMillis = new Histogram(1, 600_000, 3);
  private final long[] labelledPerClass = new long[10];
  private final long[] correctPerClass = new long[10];
  private final long[] predictedLabelledPerClass = new long[10];
  private final List<Mistake> mistakes = new ArrayList<>();
  private long items;
  private long labelled;
  private long correct;
  private long deadLetters;
  private long firstSeenNanos;
  private long lastSeenNanos;

  /** Counts one classified item, seen by the consumer at {@code seenAt}. */
  public synchronized void item(ClassifiedItem item, Instant seenAt, long seenNanos) {
    if (items == 0) {
      firstSeenNanos = seenNanos;
    }
    lastSeenNanos = seenNanos;
    items++;
    long captured = item.getCaptureTime().toEpochMilli();
    recordMillis(latencyMillis, seenAt.toEpochMilli() - captured);
    recordMillis(batchedMillis, item.getClassifiedTime().toEpochMilli() - captured);
    if (item.getTrueLabel() != null) {
      int truth = item.getTrueLabel().ordinal();
      int predicted = item.getPredictedLabel().ordinal();
      labelled++;
      labelledPerClass[truth]++;
      predictedLabelledPerClass[predicted]++;
      if (truth == predicted) {
        correct++;
        correctPerClass[truth]++;
      } else if (mistakes.size() < MISTAKES_KEPT) {
        mistakes.add(new Mistake(item.getItemId(), item.getScannerId(), predicted, truth, item.getConfidence()));
      }
    }
  }

  /** Records {@code millis} clamped to the histogram's range, 1 ms to its highest trackable value. */
  private static void recordMillis(Histogram histogram, long millis) {
    histogram.recordValue(Math.min(Math.max(1, millis), histogram.getHighestTrackableValue()));
  }

  public synchronized void deadLetter() {
    deadLetters++;
  }

  public synchronized long items() {
    return items;
  }

  public synchronized long labelled() {
    return labelled;
  }

  public synchronized long correct() {
    return correct;
  }

  public synchronized long deadLetters() {
    return deadLetters;
  }

  /** correct / labelled, or NaN before the first labelled item. */
  public synchronized double accuracy() {
    return labelled == 0 ? Double.NaN : (double) correct / labelled;
  }

  public synchronized double recall(int label) {
    return labelledPerClass[label] == 0 ? Double.NaN : (double) correctPerClass[label] / labelledPerClass[label];
  }

  public synchronized double precision(int label) {
    return predictedLabelledPerClass[label] == 0
        ? Double.NaN
        : (double) correctPerClass[label] / predictedLabelledPerClass[label];
  }

  public synchronized long labelled(int label) {
    return labelledPerClass[label];
  }

  public synchronized long latencyPercentile(double percentile) {
    return items == 0 ? 0 : latencyMillis.getValueAtPercentile(percentile);
  }

  /**
   * Percentile of the time from capture to the item's {@code classifiedTime}: the stream thread's clock when its
   * batch was handed to the model (Kafka Streams' clock, read before the model call). What remains of
   * {@link #latencyPercentile} after it is the model call, the commit and the consumer's fetch.
   */
  public synchronized long batchedPercentile(double percentile) {
    return items == 0 ? 0 : batchedMillis.getValueAtPercentile(percentile);
  }

  /** A copy of the latency distribution (milliseconds, capture to visibility). */
  public synchronized Histogram latencyHistogram() {
    return latencyMillis.copy();
  }

  /** Items per second between the first and the last item seen. */
  public synchronized double itemsPerSecond() {
    double seconds = (lastSeenNanos - firstSeenNanos) / 1e9;
    return items < 2 || seconds <= 0 ? 0 : (items - 1) / seconds;
  }

  public synchronized List<Mistake> mistakes() {
    return List.copyOf(mistakes);
  }

  /** One status line for the live view. */
  public synchronized String liveLine(long sent) {
    return String.format(Locale.ROOT,
        "sent %,7d | classified %,7d | %,6.0f items/s | accuracy %s | latency p50 %,d ms p99 %,d ms | dead letters %,d",
        sent, items, itemsPerSecond(), labelled == 0 ? "  -   " : String.format(Locale.ROOT, "%5.2f%%", 100 * accuracy()),
        latencyPercentile(50), latencyPercentile(99), deadLetters);
  }
}
