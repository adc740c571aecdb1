package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.ModelHealth;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model-health figures, drift scores, alarms and skew figures, in a {@link HealthFixture}. */
class HealthTopologyTest {

  /** Uniform class mix, confidences 20% below 0.6, 30% below 0.9, 50% above; a tenth low-margin. */
  static final Calibration REFERENCE = new Calibration(1, 3, new Calibration.Reference(5_000, 0.8, 0.79375,
      0.8, 1.0, 0.1, Collections.nCopies(10, 0.1), List.of(0.6, 0.9), List.of(0.2, 0.3, 0.5)));

  private static final Map<String, String> JUDGE_TEN = HealthFixture.judgingWindowsOf(10);

  @Test
  void aClosedWindowHasTheMeansSharesAndDriftScoresOfItsVerdicts() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      health.verdict("s1", 1_000, 2_000, 0, 0.875f, 0.0625f, 0.03125f);
      health.verdict("s1", 2_000, 2_000, 1, 0.625f, 0.25f, 0.0625f);
      health.verdict("s1", 3_000, 2_000, 1, 0.5f, 0.4375f, 0.03125f);
      health.verdict("s1", 4_000, 6_000, 2, 0.9375f, 0.03125f, 0.015625f);
      health.closeThrough(0);

      List<ModelHealth> windows = health.windows("SCANNER:s1");
      assertThat(windows).hasSize(1);
      ModelHealth figure = windows.get(0);
      assertThat(figure.getWindowStart()).isEqualTo(HealthFixture.T0);
      assertThat(figure.getWindowEnd()).isEqualTo(HealthFixture.T0.plusMillis(HealthFixture.WINDOW));
      assertThat(figure.getCount()).isEqualTo(4);
      assertThat(figure.getMeanConfidence()).isEqualTo((0.875 + 0.625 + 0.5 + 0.9375) / 4);
      // temperature 1 and all mass in the top 3 or spread evenly: the calibrated confidence is the confidence
      assertThat(figure.getEstimatedAccuracy()).isCloseTo((0.875 + 0.625 + 0.5 + 0.9375) / 4, within(1e-12));
      assertThat(figure.getLowMarginShare()).isEqualTo(0.25);
      assertThat(figure.getClassMix()).containsExactly(0.25, 0.5, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
      assertThat(figure.getMeanSkewMs()).isEqualTo(3_000);
      assertThat(figure.getLeftOut()).isZero();
      double classMixPsi = (0.25 - 0.1) * Math.log(2.5) * 2 + (0.5 - 0.1) * Math.log(5)
          + 7 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1);
      assertThat(figure.getClassMixPsi()).isCloseTo(classMixPsi, within(1e-12));
      // confidences 0.5 | 0.625, 0.875 | 0.9375 on the edges 0.6 and 0.9: shares 0.25, 0.5, 0.25
      double confidencePsi = (0.25 - 0.2) * Math.log(0.25 / 0.2) + (0.5 - 0.3) * Math.log(0.5 / 0.3)
          + (0.25 - 0.5) * Math.log(0.25 / 0.5);
      assertThat(figure.getConfidencePsi()).isCloseTo(confidencePsi, within(1e-12));
      assertThat(figure.getLowMarginIncrease()).isCloseTo(0.15, within(1e-12));
      assertThat(figure.getEstimatedAccuracyDrop()).isCloseTo(0.8 - 0.734375, within(1e-12));
      assertThat(figure.getCalibrated()).isTrue();
    }
  }

  @Test
  void theSameVerdictsCountInTheirWarehouseAndModelScopes() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      health.cleanWindow("s1", 0, 100);
      health.closeThrough(0);
      assertThat(health.windows("WAREHOUSE:warehouse-s1")).singleElement()
          .satisfies(figure -> assertThat(figure.getCount()).isEqualTo(10));
      assertThat(health.windows("MODEL:" + HealthFixture.VERSION)).singleElement()
          .satisfies(figure -> assertThat(figure.getCount()).isEqualTo(10));
    }
  }

  @Test
  void anAlarmFollowsTheThirdDriftedWindowInARowAndNotBefore() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      health.driftedWindow("s1", 0);
      health.driftedWindow("s1", 1);
      health.closeThrough(1);
      assertThat(health.windows("SCANNER:s1")).hasSize(2)
          .allSatisfy(figure -> assertThat(figure.getOverThreshold()).contains("CLASS_MIX", "CONFIDENCE"));
      assertThat(health.changes("SCANNER:s1")).isEmpty();

      health.driftedWindow("s1", 2);
      health.closeThrough(2);
      List<ModelHealth> alarms = health.changes("SCANNER:s1");
      assertThat(alarms).extracting(ModelHealth::getKind).containsOnly(HealthKind.ALARM);
      assertThat(alarms).extracting(ModelHealth::getSignal).containsExactlyInAnyOrder("CLASS_MIX", "CONFIDENCE");
      assertThat(alarms).allSatisfy(alarm -> {
        assertThat(alarm.getWindows()).isEqualTo(3);
        assertThat(alarm.getThreshold()).isEqualTo(0.2);
        assertThat(alarm.getValue()).isGreaterThan(0.2);
        assertThat(alarm.getWindowStart()).isEqualTo(HealthFixture.T0.plusMillis(2 * HealthFixture.WINDOW));
      });
    }
  }

  @Test
  void anAlarmClearsAfterAsManyWindowsBackWithinItsThreshold() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      for (int window = 0; window < 3; window++) {
        health.driftedWindow("s1", window);
      }
      for (int window = 3; window < 5; window++) {
        health.cleanWindow("s1", window, 100);
      }
      health.closeThrough(4);
      assertThat(health.changes("SCANNER:s1")).extracting(ModelHealth::getKind).containsOnly(HealthKind.ALARM);
      assertThat(health.windows("SCANNER:s1").get(4).getAlarms()).containsExactly("CLASS_MIX", "CONFIDENCE");

      health.cleanWindow("s1", 5, 100);
      health.closeThrough(5);
      List<ModelHealth> clears = health.changes("SCANNER:s1").stream()
          .filter(change -> change.getKind() == HealthKind.CLEAR).toList();
      assertThat(clears).extracting(ModelHealth::getSignal).containsExactlyInAnyOrder("CLASS_MIX", "CONFIDENCE");
      assertThat(clears).allSatisfy(clear -> assertThat(clear.getValue()).isZero());
      assertThat(health.windows("SCANNER:s1").get(5).getAlarms()).isEmpty();
    }
  }

  @Test
  void cleanTrafficRaisesNoAlarm() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      for (int window = 0; window < 20; window++) {
        health.cleanWindow("s1", window, 150);
        health.cleanWindow("s2", window, 900);
      }
      health.closeThrough(19);
      assertThat(health.windows("SCANNER:s1")).hasSize(20)
          .allSatisfy(figure -> assertThat(figure.getOverThreshold()).isEmpty());
      assertThat(health.records()).noneMatch(record -> record.value.getKind() != HealthKind.WINDOW);
    }
  }

  @Test
  void aScannerTwoMinutesBehindShowsItsSkewAndTheVerdictsLeftOutOfTheAccuracyWindows() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      health.cleanWindow("on-time", 0, 100);
      health.cleanWindow("behind", 0, 120_000);
      health.closeThrough(0);
      ModelHealth behind = health.windows("SCANNER:behind").get(0);
      assertThat(behind.getMeanSkewMs()).isEqualTo(120_000);
      assertThat(behind.getLeftOut()).isEqualTo(10);
      assertThat(behind.getOverThreshold()).contains("SKEW", "LEFT_OUT");
      ModelHealth onTime = health.windows("SCANNER:on-time").get(0);
      assertThat(onTime.getMeanSkewMs()).isEqualTo(100);
      assertThat(onTime.getLeftOut()).isZero();
    }
  }

  @Test
  void aLaggingClockRaisesSkewAlarmsForItsScannerOnly() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      for (int window = 0; window < 3; window++) {
        health.cleanWindow("on-time", window, 100);
        health.cleanWindow("behind", window, 120_000);
      }
      health.closeThrough(2);
      assertThat(health.changes("SCANNER:behind")).extracting(ModelHealth::getSignal)
          .containsExactlyInAnyOrder("SKEW", "LEFT_OUT");
      assertThat(health.changes("SCANNER:on-time")).isEmpty();
    }
  }

  @Test
  void windowsSmallerThanTheMinimumAreReportedButNotJudged() {
    try (HealthFixture health = new HealthFixture(REFERENCE, HealthFixture.judgingWindowsOf(11))) {
      for (int window = 0; window < 3; window++) {
        health.driftedWindow("s1", window);
      }
      health.closeThrough(2);
      assertThat(health.windows("SCANNER:s1")).hasSize(3)
          .allSatisfy(figure -> assertThat(figure.getOverThreshold()).isEmpty());
      assertThat(health.changes("SCANNER:s1")).isEmpty();
    }
  }

  @Test
  void withoutACalibrationThereAreFiguresButNoDriftScores() {
    try (HealthFixture health = new HealthFixture(null, JUDGE_TEN)) {
      for (int window = 0; window < 3; window++) {
        health.driftedWindow("s1", window);
      }
      health.closeThrough(2);
      List<ModelHealth> windows = health.windows("SCANNER:s1");
      assertThat(windows).hasSize(3).allSatisfy(figure -> {
        assertThat(figure.getCalibrated()).isFalse();
        assertThat(figure.getEstimatedAccuracy()).isEqualTo(0.9375);
        assertThat(figure.getClassMixPsi()).isNull();
        assertThat(figure.getConfidencePsi()).isNull();
      });
      assertThat(health.changes("SCANNER:s1")).isEmpty();
    }
  }

  @Test
  void theLatestWindowIsAGaugePerScope() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      health.cleanWindow("s1", 0, 100);
      health.closeThrough(0);
      assertThat(health.registry.get("fashion.health.estimated.accuracy")
          .tags("scope", "SCANNER", "key", "s1", "model_version", HealthFixture.VERSION).gauge().value())
          .isCloseTo(0.79375, within(1e-9));
      assertThat(health.registry.get("fashion.health.drift")
          .tags("scope", "SCANNER", "key", "s1", "statistic", "class_mix_psi").gauge().value()).isZero();
    }
  }

  @Test
  void aVerdictArrivingAfterItsWindowWasSentCountsInTheOpenWindow() {
    try (HealthFixture health = new HealthFixture(REFERENCE, JUDGE_TEN)) {
      health.cleanWindow("s1", 0, 100);
      health.closeThrough(0);
      health.verdict("s1", 5_000, 100, 3, 0.75f, 0.125f, 0.0625f);
      health.closeThrough(1);
      assertThat(health.windows("SCANNER:s1")).extracting(ModelHealth::getCount).containsExactly(10L, 1L);
      assertThat(health.windows("SCANNER:s1").get(1).getWindowStart())
          .isEqualTo(HealthFixture.T0.plusMillis(HealthFixture.WINDOW));
    }
  }
}
