package io.fashionclassifier.bench;

import io.fashionclassifier.model.BatchClassifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The model alone: images per second through one classifier at each batch size, no Kafka involved. */
final class InferenceSweep {

  /**
   * @param imagesPerSecond the median of the repetitions
   * @param repetitions each timed repetition's images per second
   */
  record Point(int batchSize, double imagesPerSecond, List<Double> repetitions) {}

  private InferenceSweep() {}

  static List<Point> run(Supplier<BatchClassifier> classifiers, List<byte[]> images, List<Integer> batchSizes,
      Duration perRepeat, int repeats) {
    List<Point> points = new ArrayList<>();
    try (BatchClassifier classifier = classifiers.get()) {
      Cursor cursor = new Cursor(images);
      for (int batchSize : batchSizes) {
        // the first calls at a new shape build its kernels
        timed(classifier, cursor, batchSize, perRepeat.dividedBy(2));
        List<Double> rates = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
          rates.add(timed(classifier, cursor, batchSize, perRepeat));
        }
        points.add(new Point(batchSize, Stats.median(rates), rates));
      }
    }
    return points;
  }

  private static double timed(BatchClassifier classifier, Cursor cursor, int batchSize, Duration duration) {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long classified = 0;
    do {
      classified += classifier.classify(cursor.next(batchSize)).size();
    } while (System.nanoTime() < end);
    return classified / ((System.nanoTime() - start) / 1e9);
  }

  /** Walks through the images in order, wrapping around, so successive batches hold different images. */
  static final class Cursor {
    private final List<byte[]> images;
    private int position;

    Cursor(List<byte[]> images) {
      if (images.isEmpty()) {
        throw new IllegalArgumentException("no images");
      }
      this.images = images;
    }

    List<byte[]> next(int count) {
      List<byte[]> batch = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        batch.add(images.get(position));
        position = (position + 1) % images.size();
      }
      return batch;
    }
  }
}
