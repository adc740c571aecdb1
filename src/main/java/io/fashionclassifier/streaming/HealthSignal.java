package io.fashionclassifier.streaming;

/**
 * What a model-health alarm is about (docs/model-health.md). Each is judged per closed window with at least the
 * minimum number of verdicts; the drift signals only where the model's bundle has a calibration.
 */
enum HealthSignal {
  /** Population stability index of the predicted-class mix against the validation reference. */
  CLASS_MIX(true),
  /** PSI of the confidence histogram against the reference's. */
  CONFIDENCE(true),
  /** Increase of the share of low-margin predictions over the reference's. */
  LOW_MARGIN(true),
  /** Drop of the estimated (calibrated) accuracy below the reference's. */
  ESTIMATED_ACCURACY(true),
  /** Mean of classified time minus capture time, either way, in milliseconds. */
  SKEW(false),
  /** Share of the window's verdicts that no windowed accuracy figure counts (their capture window had closed). */
  LEFT_OUT(false);

  private final boolean needsReference;

  HealthSignal(boolean needsReference) {
    this.needsReference = needsReference;
  }

  boolean needsReference() {
    return needsReference;
  }

  /** The threshold of this signal in {@code settings}: at or above it, the window is over. */
  double threshold(HealthTopology.Settings settings) {
    return switch (this) {
      case CLASS_MIX, CONFIDENCE -> settings.psiThreshold();
      case LOW_MARGIN -> settings.lowMarginIncrease();
      case ESTIMATED_ACCURACY -> settings.accuracyDrop();
      case SKEW -> settings.maxSkew().toMillis();
      case LEFT_OUT -> settings.leftOutShare();
    };
  }
}
