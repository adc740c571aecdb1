package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class HealthSignalsTest {

  @Test
  void entropyOfTheTopProbabilitiesWhenTheyHoldAllTheMass() {
    double expected = -(0.5 * Math.log(0.5) + 0.25 * Math.log(0.25) + 0.25 * Math.log(0.25));
    assertThat(HealthSignals.entropy(new float[] {0.5f, 0.25f, 0.25f}, 10)).isCloseTo(expected, within(1e-12));
  }

  @Test
  void entropySpreadsTheRestEvenlyOverTheOtherClasses() {
    // top 0.5, 0.25, 0.125; the remaining 0.125 as 7 classes of 0.125 / 7
    double expected = -(0.5 * Math.log(0.5) + 0.25 * Math.log(0.25) + 0.125 * Math.log(0.125)
        + 0.125 * Math.log(0.125 / 7));
    assertThat(HealthSignals.entropy(new float[] {0.5f, 0.25f, 0.125f}, 10)).isCloseTo(expected, within(1e-12));
  }

  @Test
  void entropyOfAUniformPredictionIsTheLogOfTheClassCount() {
    assertThat(HealthSignals.entropy(new float[] {0.25f, 0.25f}, 4)).isCloseTo(Math.log(4), within(1e-12));
  }

  @Test
  void temperatureOneLeavesTheConfidence() {
    assertThat(HealthSignals.calibratedConfidence(new float[] {0.5f, 0.25f, 0.125f}, 10, 1))
        .isCloseTo(0.5, within(1e-12));
  }

  @Test
  void temperatureTwoTakesSquareRootsAndNormalises() {
    // sqrt(0.64) / (sqrt(0.64) + sqrt(0.36)) = 0.8 / 1.4
    assertThat(HealthSignals.calibratedConfidence(new float[] {0.64f, 0.36f}, 2, 2))
        .isCloseTo(0.8 / 1.4, within(1e-7));
  }

  @Test
  void calibrationCountsTheRestAsEvenlySpread() {
    // T = 0.5 squares: 0.5^2 / (0.5^2 + 0.25^2 + 2 * 0.125^2)
    double expected = 0.25 / (0.25 + 0.0625 + 2 * 0.015625);
    assertThat(HealthSignals.calibratedConfidence(new float[] {0.5f, 0.25f}, 4, 0.5))
        .isCloseTo(expected, within(1e-12));
  }

  @Test
  void lowMarginWhenTheTopTwoAreWithinATenth() {
    assertThat(HealthSignals.lowMargin(new float[] {0.45f, 0.40f, 0.1f})).isTrue();
    assertThat(HealthSignals.lowMargin(new float[] {0.55f, 0.40f, 0.05f})).isFalse();
  }

  @Test
  void binCountsTheEdgesAtOrBelowTheValue() {
    List<Double> edges = List.of(0.5, 0.9, 0.99);
    assertThat(HealthSignals.bin(0.3, edges)).isZero();
    assertThat(HealthSignals.bin(0.5, edges)).isEqualTo(1);
    assertThat(HealthSignals.bin(0.95, edges)).isEqualTo(2);
    assertThat(HealthSignals.bin(1.0, edges)).isEqualTo(3);
  }
}
