package io.fashionclassifier.model;

/**
 * The distances between a reference distribution and an observed one that the model-health figures report
 * (docs/model-health.md). Both take shares (non-negative, summing to 1) over the same bins.
 */
public final class DriftStatistics {

  /**
   * Shares below this count as this in the population stability index, so that a bin empty on one side gives a
   * large but finite term (as Evidently and most PSI implementations do).
   */
  public static final double PSI_FLOOR = 1e-4;

  private DriftStatistics() {}

  /** Population stability index: sum over bins of {@code (observed - expected) * ln(observed / expected)}. */
  public static double psi(double[] expected, double[] observed) {
    check(expected, observed);
    double sum = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = Math.max(expected[i], PSI_FLOOR);
      double o = Math.max(observed[i], PSI_FLOOR);
      sum += (o - e) * Math.log(o / e);
    }
    return sum;
  }

  /**
   * Jensen-Shannon distance: the square root of the Jensen-Shannon divergence in bits, between 0 (same
   * distribution) and 1 (disjoint), as {@code scipy.spatial.distance.jensenshannon(p, q, base=2)}.
   */
  public static double jensenShannonDistance(double[] p, double[] q) {
    check(p, q);
    double divergence = 0;
    for (int i = 0; i < p.length; i++) {
      double m = (p[i] + q[i]) / 2;
      divergence += term(p[i], m) / 2 + term(q[i], m) / 2;
    }
    return Math.sqrt(Math.max(0, divergence / Math.log(2)));
  }

  /** Shares of {@code counts} (all zero when the counts are). */
  public static double[] shares(long[] counts) {
    long total = 0;
    for (long count : counts) {
      total += count;
    }
    double[] shares = new double[counts.length];
    for (int i = 0; i < counts.length && total > 0; i++) {
      shares[i] = (double) counts[i] / total;
    }
    return shares;
  }

  private static double term(double p, double m) {
    return p == 0 ? 0 : p * Math.log(p / m);
  }

  private static void check(double[] a, double[] b) {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException("distributions over different bins: " + a.length + " and " + b.length);
    }
  }
}
