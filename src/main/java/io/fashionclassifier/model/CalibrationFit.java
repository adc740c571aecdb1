package io.fashionclassifier.model;

import io.fashionclassifier.dataset.LabelledImages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Fits a bundle's {@link Calibration} on labelled images (the validation split): classifies them through the
 * bundle's classifier, the path the stream takes, fits the temperature and records the reference figures.
 */
public final class CalibrationFit {

  /** Probabilities a verdict carries per item, and so what the reference is computed from. */
  public static final int TOP_K = 3;
  /** Bins of the reference's confidence histogram before ties are merged. */
  static final int CONFIDENCE_BINS = 10;
  private static final int CHUNK = 256;

  private CalibrationFit() {}

  /** Classifies {@code images} with {@code classifier} and fits on the predictions. */
  public static Calibration fit(BatchClassifier classifier, LabelledImages images) {
    float[][] probabilities = new float[images.size()][];
    for (int from = 0; from < images.size(); from += CHUNK) {
      int to = Math.min(images.size(), from + CHUNK);
      List<Prediction> predictions = classifier.classify(images.images(from, to));
      for (int i = from; i < to; i++) {
        probabilities[i] = predictions.get(i - from).probabilities();
      }
    }
    int[] labels = new int[images.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = images.label(i);
    }
    return fit(probabilities, labels);
  }

  /** The calibration of predictions {@code probabilities} (one row per image) of images labelled {@code labels}. */
  public static Calibration fit(float[][] probabilities, int[] labels) {
    double temperature = TemperatureFit.fit(probabilities, labels);
    return new Calibration(temperature, TOP_K, reference(probabilities, labels, temperature));
  }

  static Calibration.Reference reference(float[][] probabilities, int[] labels, double temperature) {
    int n = probabilities.length;
    int classes = probabilities[0].length;
    long[] mix = new long[classes];
    double[] confidences = new double[n];
    double calibrated = 0;
    double entropy = 0;
    long lowMargin = 0;
    long correct = 0;
    for (int i = 0; i < n; i++) {
      Prediction prediction = new Prediction(probabilities[i]);
      float[] top = HealthSignals.top(prediction, TOP_K);
      mix[prediction.label()]++;
      confidences[i] = top[0];
      calibrated += HealthSignals.calibratedConfidence(top, classes, temperature);
      entropy += HealthSignals.entropy(top, classes);
      lowMargin += HealthSignals.lowMargin(top) ? 1 : 0;
      correct += prediction.label() == labels[i] ? 1 : 0;
    }
    List<Double> edges = deciles(confidences);
    long[] binCounts = new long[edges.size() + 1];
    for (double confidence : confidences) {
      binCounts[HealthSignals.bin(confidence, edges)]++;
    }
    return new Calibration.Reference(n, (double) correct / n, Arrays.stream(confidences).average().orElse(0),
        calibrated / n, entropy / n, (double) lowMargin / n, list(DriftStatistics.shares(mix)), edges,
        list(DriftStatistics.shares(binCounts)));
  }

  /** The inner deciles of {@code values}, ascending, equal ones merged (a saturated model gives many ties). */
  private static List<Double> deciles(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    TreeSet<Double> edges = new TreeSet<>();
    for (int q = 1; q < CONFIDENCE_BINS; q++) {
      edges.add(sorted[(int) ((long) q * sorted.length / CONFIDENCE_BINS)]);
    }
    // an edge at the minimum would leave its lower bin empty by construction
    edges.remove(sorted[0]);
    return List.copyOf(edges);
  }

  private static List<Double> list(double[] values) {
    List<Double> list = new ArrayList<>(values.length);
    for (double value : values) {
      list.add(value);
    }
    return List.copyOf(list);
  }
}
