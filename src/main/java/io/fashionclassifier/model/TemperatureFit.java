package io.fashionclassifier.model;

/**
 * Temperature scaling (Guo et al., 2017): the one scalar {@code T} that minimises the negative log-likelihood of
 * {@code softmax(logits / T)} on labelled predictions. The log-probabilities serve as the logits (they differ by a
 * constant per prediction, which softmax ignores), so it fits what the classifier outputs, flip test-time
 * augmentation included. The likelihood is convex in {@code 1/T}, so a golden-section search finds its minimum.
 */
public final class TemperatureFit {

  /** Probabilities below this are taken as this, so that a label given probability 0 costs a finite amount. */
  static final double FLOOR = 1e-12;
  /** Search range of {@code 1/T}. */
  static final double MIN_POWER = 0.01;
  static final double MAX_POWER = 20;
  private static final double TOLERANCE = 1e-7;
  private static final double GOLDEN = (Math.sqrt(5) - 1) / 2;

  private TemperatureFit() {}

  /**
   * @param probabilities one row of class probabilities per prediction
   * @param labels the true label of each
   * @return the fitted temperature
   */
  public static double fit(float[][] probabilities, int[] labels) {
    if (probabilities.length != labels.length || labels.length == 0) {
      throw new IllegalArgumentException("need as many labels as predictions, at least one");
    }
    double[][] logs = new double[probabilities.length][];
    for (int i = 0; i < probabilities.length; i++) {
      logs[i] = new double[probabilities[i].length];
      for (int c = 0; c < logs[i].length; c++) {
        logs[i][c] = Math.log(Math.max(probabilities[i][c], FLOOR));
      }
    }
    double low = MIN_POWER;
    double high = MAX_POWER;
    double a = high - GOLDEN * (high - low);
    double b = low + GOLDEN * (high - low);
    double fa = nll(logs, labels, a);
    double fb = nll(logs, labels, b);
    while (high - low > TOLERANCE) {
      if (fa < fb) {
        high = b;
        b = a;
        fb = fa;
        a = high - GOLDEN * (high - low);
        fa = nll(logs, labels, a);
      } else {
        low = a;
        a = b;
        fa = fb;
        b = low + GOLDEN * (high - low);
        fb = nll(logs, labels, b);
      }
    }
    return 1 / ((low + high) / 2);
  }

  /** Mean negative log-likelihood of the labels under {@code softmax(power * logs)}. */
  public static double nll(double[][] logs, int[] labels, double power) {
    double sum = 0;
    for (int i = 0; i < logs.length; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (double z : logs[i]) {
        max = Math.max(max, power * z);
      }
      double exp = 0;
      for (double z : logs[i]) {
        exp += Math.exp(power * z - max);
      }
      sum += max + Math.log(exp) - power * logs[i][labels[i]];
    }
    return sum / logs.length;
  }
}
