package io.fashionclassifier.streaming;

import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.model.DriftStatistics;
import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.ModelHealth;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The arithmetic of a closed model-health window (docs/model-health.md): its means and shares, its drift scores
 * against the model's validation reference, and the value of each {@link HealthSignal} it is judged on.
 */
final class HealthFigures {

  private HealthFigures() {}

  /**
   * A closed window's figure and signals.
   *
   * @param figure the WINDOW record, without its alarm lists (set by {@link HealthAlarms})
   * @param signals the value of each signal the window is judged on: none when it had fewer than the minimum
   *     verdicts, no drift signal without a reference
   */
  record Judged(ModelHealth.Builder figure, Map<HealthSignal, Double> signals) {}

  static Judged judge(HealthWindow window, Calibration calibration, HealthTopology.Settings settings,
      long windowMillis, long now) {
    long n = window.count();
    double[] mix = DriftStatistics.shares(window.classCounts());
    double estimated = window.sumCalibrated() / n;
    double meanSkew = window.sumSkewMillis() / n;
    double lowMarginShare = (double) window.lowMargin() / n;
    ModelHealth.Builder figure = ModelHealth.newBuilder()
        .setKind(HealthKind.WINDOW)
        .setScope(window.scope())
        .setKey(window.key())
        .setModelVersion(window.modelVersion())
        .setWindowStart(Instant.ofEpochMilli(window.windowStart()))
        .setWindowEnd(Instant.ofEpochMilli(window.windowStart() + windowMillis))
        .setCount(n)
        .setMeanConfidence(window.sumConfidence() / n)
        .setMeanEntropy(window.sumEntropy() / n)
        .setLowMarginShare(lowMarginShare)
        .setClassMix(toList(mix))
        .setEstimatedAccuracy(estimated)
        .setCalibrated(calibration != null)
        .setMeanSkewMs(meanSkew)
        .setLeftOut(window.leftOut())
        .setOverThreshold(List.of())
        .setAlarms(List.of())
        .setUpdatedTime(Instant.ofEpochMilli(now));
    Map<HealthSignal, Double> signals = new EnumMap<>(HealthSignal.class);
    if (calibration != null) {
      Calibration.Reference reference = calibration.reference();
      double[] referenceMix = toArray(reference.classMix());
      double classMixPsi = DriftStatistics.psi(referenceMix, mix);
      figure.setClassMixPsi(classMixPsi)
          .setClassMixJsd(DriftStatistics.jensenShannonDistance(referenceMix, mix))
          .setLowMarginIncrease(lowMarginShare - reference.lowMarginShare())
          .setEstimatedAccuracyDrop(reference.meanCalibratedConfidence() - estimated);
      signals.put(HealthSignal.CLASS_MIX, classMixPsi);
      signals.put(HealthSignal.LOW_MARGIN, lowMarginShare - reference.lowMarginShare());
      signals.put(HealthSignal.ESTIMATED_ACCURACY, reference.meanCalibratedConfidence() - estimated);
      if (window.confidenceBins() != null) {
        double[] referenceBins = toArray(reference.confidenceShares());
        double[] bins = DriftStatistics.shares(window.confidenceBins());
        double confidencePsi = DriftStatistics.psi(referenceBins, bins);
        figure.setConfidencePsi(confidencePsi)
            .setConfidenceJsd(DriftStatistics.jensenShannonDistance(referenceBins, bins));
        signals.put(HealthSignal.CONFIDENCE, confidencePsi);
      }
    }
    signals.put(HealthSignal.SKEW, Math.abs(meanSkew));
    signals.put(HealthSignal.LEFT_OUT, (double) window.leftOut() / n);
    if (n < settings.minItems()) {
      signals.clear();
    }
    return new Judged(figure, signals);
  }

  private static List<Double> toList(double[] values) {
    List<Double> list = new ArrayList<>(values.length);
    for (double value : values) {
      list.add(value);
    }
    return list;
  }

  private static double[] toArray(List<Double> values) {
    double[] array = new double[values.size()];
    for (int i = 0; i < array.length; i++) {
      array[i] = values.get(i);
    }
    return array;
  }
}
