package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TemperatureFitTest {

  /**
   * Every prediction is (q, 1 - q) and a share f is labelled 0: the likelihood is highest where the calibrated
   * probability q^a / (q^a + (1 - q)^a) equals f, that is a = ln(f / (1 - f)) / ln(q / (1 - q)) and T = 1 / a.
   */
  @Test
  void softensAnOverConfidentModel() {
    // q = 0.9, f = 0.75: 9^a = 3, a = 1/2, T = 2
    float[][] predictions = repeat(new float[] {0.9f, 0.1f}, 4);
    assertThat(TemperatureFit.fit(predictions, new int[] {0, 0, 0, 1})).isCloseTo(2, within(1e-4));
  }

  @Test
  void sharpensAnUnderConfidentModel() {
    // q = 0.75, f = 0.9: 3^a = 9, a = 2, T = 1/2
    float[][] predictions = repeat(new float[] {0.75f, 0.25f}, 10);
    assertThat(TemperatureFit.fit(predictions, new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1}))
        .isCloseTo(0.5, within(1e-4));
  }

  @Test
  void theFittedTemperatureHasTheLowestNegativeLogLikelihood() {
    float[][] predictions = {{0.7f, 0.2f, 0.1f}, {0.6f, 0.3f, 0.1f}, {0.2f, 0.5f, 0.3f}, {0.1f, 0.1f, 0.8f}};
    int[] labels = {0, 1, 1, 2};
    double temperature = TemperatureFit.fit(predictions, labels);
    double[][] logs = new double[predictions.length][3];
    for (int i = 0; i < logs.length; i++) {
      for (int c = 0; c < 3; c++) {
        logs[i][c] = Math.log(predictions[i][c]);
      }
    }
    double best = TemperatureFit.nll(logs, labels, 1 / temperature);
    assertThat(TemperatureFit.nll(logs, labels, 1 / (temperature * 1.01))).isGreaterThan(best);
    assertThat(TemperatureFit.nll(logs, labels, 1 / (temperature * 0.99))).isGreaterThan(best);
  }

  private static float[][] repeat(float[] row, int times) {
    float[][] rows = new float[times][];
    for (int i = 0; i < times; i++) {
      rows[i] = row.clone();
    }
    return rows;
  }
}
