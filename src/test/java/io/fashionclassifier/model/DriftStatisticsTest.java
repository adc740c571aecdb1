package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DriftStatisticsTest {

  @Test
  void psiSumsTheShareDifferenceTimesTheLogRatio() {
    // (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.25 ln 2 + 0.25 ln 1.5 = 0.25 ln 3
    assertThat(DriftStatistics.psi(new double[] {0.5, 0.5}, new double[] {0.25, 0.75}))
        .isCloseTo(0.25 * Math.log(3), within(1e-15));
  }

  @Test
  void psiOfIdenticalDistributionsIsZero() {
    double[] mix = {0.1, 0.2, 0.3, 0.4};
    assertThat(DriftStatistics.psi(mix, mix.clone())).isZero();
  }

  @Test
  void psiFloorsAnEmptyBinInsteadOfDividingByZero() {
    // the empty expected bin counts as 1e-4: (0.5 - 1e-4) ln(0.5 / 1e-4) + (0.5 - 1) ln(0.5 / 1)
    double expected = (0.5 - 1e-4) * Math.log(0.5 / 1e-4) + (0.5 - 1) * Math.log(0.5);
    assertThat(DriftStatistics.psi(new double[] {0, 1}, new double[] {0.5, 0.5})).isCloseTo(expected, within(1e-12));
  }

  @Test
  void jensenShannonDistanceOfDisjointDistributionsIsOne() {
    assertThat(DriftStatistics.jensenShannonDistance(new double[] {1, 0}, new double[] {0, 1}))
        .isCloseTo(1, within(1e-15));
  }

  @Test
  void jensenShannonDistanceIsTheRootOfTheDivergenceInBits() {
    // m = (0.75, 0.25); KL(p||m) = 0.5 ln(4/3), KL(q||m) = ln(4/3); JS = 0.75 ln(4/3) nats
    double expected = Math.sqrt(0.75 * Math.log(4.0 / 3) / Math.log(2));
    assertThat(DriftStatistics.jensenShannonDistance(new double[] {0.5, 0.5}, new double[] {1, 0}))
        .isCloseTo(expected, within(1e-15));
  }

  @Test
  void sharesDivideByTheTotal() {
    assertThat(DriftStatistics.shares(new long[] {1, 3, 0})).containsExactly(0.25, 0.75, 0.0);
    assertThat(DriftStatistics.shares(new long[] {0, 0})).containsExactly(0.0, 0.0);
  }

  @Test
  void distributionsOverDifferentBinsAreRefused() {
    assertThatThrownBy(() -> DriftStatistics.psi(new double[] {1}, new double[] {0.5, 0.5}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
