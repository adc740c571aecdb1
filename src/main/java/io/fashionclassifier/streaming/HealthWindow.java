package io.fashionclassifier.streaming;

import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.model.HealthSignals;
import io.fashionclassifier.schema.FashionClass;

/**
 * The running sums of one scope's window of model-health figures (the value of the changelogged store
 * {@link HealthTopology#WINDOWS_STORE}); {@link HealthFigures} turns them into a figure when the window closes.
 *
 * @param scope SCANNER, WAREHOUSE or MODEL
 * @param key the scope's id (unescaped)
 * @param confidenceBins counts per bin of the reference's confidence histogram; null when the model has no
 *     calibration
 * @param sumSkewMillis sum of classified time minus capture time
 * @param leftOut verdicts no windowed accuracy figure counts
 */
record HealthWindow(String scope, String key, String modelVersion, long windowStart, long count,
    double sumConfidence, double sumEntropy, double sumCalibrated, long lowMargin, long[] classCounts,
    long[] confidenceBins, double sumSkewMillis, long leftOut) {

  private static final int CLASSES = FashionClass.values().length;

  /** An empty window; its histogram has the bins of {@code calibration}'s reference (none when null). */
  static HealthWindow empty(String scope, String key, String modelVersion, long windowStart,
      Calibration calibration) {
    long[] bins = calibration == null ? null
        : new long[calibration.reference().confidenceEdges().size() + 1];
    return new HealthWindow(scope, key, modelVersion, windowStart, 0, 0, 0, 0, 0, new long[CLASSES], bins, 0, 0);
  }

  /**
   * This window with {@code sample} counted.
   *
   * @param calibration the model's, or null: then the estimated accuracy is the uncalibrated confidence
   * @param leftOut whether the sample is left out of the windowed accuracy figures
   */
  HealthWindow add(HealthSample sample, Calibration calibration, boolean leftOut) {
    float[] top = sample.top();
    double temperature = calibration == null ? 1 : calibration.temperature();
    long[] classes = classCounts.clone();
    if (sample.predictedLabel() >= 0 && sample.predictedLabel() < classes.length) {
      classes[sample.predictedLabel()]++;
    }
    long[] bins = confidenceBins;
    if (bins != null && calibration != null) {
      bins = bins.clone();
      bins[Math.min(bins.length - 1, HealthSignals.bin(top[0], calibration.reference().confidenceEdges()))]++;
    }
    return new HealthWindow(scope, key, modelVersion, windowStart, count + 1, sumConfidence + top[0],
        sumEntropy + HealthSignals.entropy(top, CLASSES),
        sumCalibrated + HealthSignals.calibratedConfidence(top, CLASSES, temperature),
        lowMargin + (HealthSignals.lowMargin(top) ? 1 : 0), classes, bins,
        sumSkewMillis + (sample.classifiedTime() - sample.captureTime()), this.leftOut + (leftOut ? 1 : 0));
  }
}
