package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationFitTest {

  @TempDir
  Path directory;

  /** Four predictions over four classes: two confident (one wrong), one low-margin, one in between. */
  private static final float[][] PREDICTIONS = {
      {0.9f, 0.05f, 0.03f, 0.02f},
      {0.05f, 0.9f, 0.03f, 0.02f},
      {0.45f, 0.4f, 0.1f, 0.05f},
      {0.1f, 0.1f, 0.7f, 0.1f}};
  private static final int[] LABELS = {0, 0, 0, 2};

  @Test
  void theReferenceHoldsTheValidationFigures() {
    Calibration.Reference reference = CalibrationFit.reference(PREDICTIONS, LABELS, 1);
    assertThat(reference.images()).isEqualTo(4);
    assertThat(reference.accuracy()).isEqualTo(0.75);
    assertThat(reference.meanConfidence()).isCloseTo((0.9 + 0.9 + 0.45 + 0.7) / 4, within(1e-6));
    assertThat(reference.lowMarginShare()).isEqualTo(0.25);
    assertThat(reference.classMix()).containsExactly(0.5, 0.25, 0.25, 0.0);
    assertThat(reference.confidenceShares()).hasSize(reference.confidenceEdges().size() + 1);
    assertThat(reference.confidenceShares().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(1, within(1e-12));
  }

  @Test
  void atTemperatureOneTheEstimatedAccuracyIsTheMeanConfidenceOfTheTopK() {
    // every row's top 3 hold all but the fourth, spread over the one class left: the same probabilities
    Calibration.Reference reference = CalibrationFit.reference(PREDICTIONS, LABELS, 1);
    assertThat(reference.meanCalibratedConfidence()).isCloseTo(reference.meanConfidence(), within(1e-6));
  }

  @Test
  void aWrittenCalibrationReadsBackEqual() {
    Calibration calibration = CalibrationFit.fit(PREDICTIONS, LABELS);
    Calibration.write(directory, calibration);
    assertThat(Calibration.read(directory)).contains(calibration);
  }

  @Test
  void aBundleWithoutCalibrationHasNone() {
    assertThat(Calibration.read(directory)).isEmpty();
  }

  @Test
  void aCalibrationWithoutAPositiveTemperatureIsRefused() throws Exception {
    Calibration calibration = CalibrationFit.fit(PREDICTIONS, LABELS);
    Calibration.write(directory, new Calibration(0, calibration.topK(), calibration.reference()));
    assertThatThrownBy(() -> Calibration.read(directory)).isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("temperature must be positive");
    Files.writeString(directory.resolve(Calibration.FILE), "{not json");
    assertThatThrownBy(() -> Calibration.read(directory)).isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("not a valid calibration");
  }
}
