package io.fashionclassifier.model;

import java.util.List;

/**
 * What the model-health figures take from one prediction, given only its {@code k} most probable classes (what a
 * verdict carries): confidence, whether the top two are close, entropy and the calibrated confidence. The mass
 * outside the top {@code k} is taken as spread evenly over the other classes; reference and live figures are both
 * computed from the top {@code k} this way, so the approximation cancels in the drift scores.
 */
public final class HealthSignals {

  /** Top-2 probabilities closer than this make a low-margin prediction (as Alibi Detect's default). */
  public static final double LOW_MARGIN = 0.1;

  private HealthSignals() {}

  /** Whether the top two of {@code top} (the highest probabilities, highest first) are close. */
  public static boolean lowMargin(float[] top) {
    return top.length > 1 && top[0] - top[1] < LOW_MARGIN;
  }

  /** Entropy in nats (0 for a certain prediction, {@code ln classes} for a uniform one). */
  public static double entropy(float[] top, int classes) {
    double entropy = 0;
    double rest = rest(top);
    for (float p : top) {
      entropy -= p > 0 ? p * Math.log(p) : 0;
    }
    int others = classes - top.length;
    if (rest > 0 && others > 0) {
      entropy -= rest * Math.log(rest / others);
    }
    return entropy;
  }

  /**
   * The top probability after temperature scaling: {@code p^(1/T)} normalised, which is {@code softmax(logits/T)}
   * since log-probabilities are the logits up to a constant.
   */
  public static double calibratedConfidence(float[] top, int classes, double temperature) {
    if (top.length == 0) {
      throw new IllegalArgumentException("no probabilities");
    }
    double power = 1 / temperature;
    double sum = 0;
    for (float p : top) {
      sum += Math.pow(Math.max(p, 0), power);
    }
    double rest = rest(top);
    int others = classes - top.length;
    if (rest > 0 && others > 0) {
      sum += others * Math.pow(rest / others, power);
    }
    return sum == 0 ? 0 : Math.pow(Math.max(top[0], 0), power) / sum;
  }

  /** The bin of {@code value}: how many of the ascending {@code edges} it is at or above. */
  public static int bin(double value, List<Double> edges) {
    int bin = 0;
    while (bin < edges.size() && value >= edges.get(bin)) {
      bin++;
    }
    return bin;
  }

  /** The {@code k} highest of {@code probabilities}, highest first. */
  public static float[] top(Prediction prediction, int k) {
    List<Prediction.Score> scores = prediction.topK(k);
    float[] top = new float[scores.size()];
    for (int i = 0; i < top.length; i++) {
      top[i] = scores.get(i).probability();
    }
    return top;
  }

  private static double rest(float[] top) {
    double sum = 0;
    for (float p : top) {
      sum += p;
    }
    return Math.max(0, 1 - sum);
  }
}
