package io.fashionclassifier.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdicts follow the issue's thresholds from the measured figures. */
class TargetsTest {

  @Test
  void ratiosAreComparedWithTheIssuesThresholds() {
    List<Targets.Check> checks = Targets.checks(result(1_500, 1_800, 280, 95, 41, 0.049, 0));

    assertThat(checks.get(0).measured()).startsWith("0.83x");
    assertThat(checks.get(0).pass()).isTrue();
    assertThat(checks.get(1).measured()).startsWith("5.36x");
    assertThat(checks.get(1).pass()).isTrue();
    assertThat(checks.get(2).pass()).isTrue();
    assertThat(checks.get(3).pass()).isFalse();
    assertThat(checks.get(4).pass()).isTrue();
    assertThat(checks.get(5).pass()).isTrue();
    assertThat(checks.subList(6, 9)).allSatisfy(check -> assertThat(check.pass()).isNull());
  }

  @Test
  void aModelBusyFor95PercentOfTheRunMeetsTheTargetAnd85PercentDoesNot() {
    Targets.Check busy = last(Targets.checks(result(1_500, 1_800, 280, 280, 95, 41, 0.049, 0, 9.5)));
    Targets.Check idle = last(Targets.checks(result(1_500, 1_800, 280, 280, 95, 41, 0.049, 0, 8.5)));

    assertThat(busy.figure()).startsWith("model busy");
    assertThat(busy.measured()).isEqualTo("95% (9.5 of 10.0 s)");
    assertThat(busy.pass()).isTrue();
    assertThat(idle.pass()).isFalse();
  }

  private static Targets.Check last(List<Targets.Check> checks) {
    return checks.get(checks.size() - 1);
  }

  @Test
  void missingTargetsFail() {
    List<Targets.Check> checks = Targets.checks(result(600, 2_000, 300, 2_005, 120, 0.08, 12));

    assertThat(checks.subList(0, 6)).allSatisfy(check -> assertThat(check.pass()).isFalse());
  }

  @Test
  void thePerRecordTargetIsTheConsumerLoopsNotTheBatchOfOneRuns() {
    List<Targets.Check> checks = Targets.checks(result(1_500, 2_000, 280, 500, 95, 41, 0.049, 0));

    assertThat(checks.get(1).figure()).contains("per-record consumer loop");
    assertThat(checks.get(1).measured()).startsWith("3.00x");
    assertThat(checks.get(1).pass()).isFalse();
    assertThat(checks.get(6).figure()).contains("batch 1");
    assertThat(checks.get(6).measured()).startsWith("5.36x");
    assertThat(checks.get(6).pass()).isNull();
  }

  @Test
  void withoutTheConsumerLoopThePerRecordTargetIsNotMeasured() {
    List<Targets.Check> checks = Targets.checks(result(1_500, 2_000, 280, Double.NaN, 95, 41, 0.049, 0));

    assertThat(checks.get(1).measured()).startsWith("not measured");
    assertThat(checks.get(1).pass()).isNull();
  }

  private static BenchResult result(double endToEnd, double model, double perRecord, long p99, long p50,
      double rssGrowth, long ndArrayGrowth) {
    return result(endToEnd, model, perRecord, perRecord, p99, p50, rssGrowth, ndArrayGrowth);
  }

  /** @param loop the per-record consumer loop's items/s, NaN: not run */
  private static BenchResult result(double endToEnd, double model, double perRecord, double loop, long p99,
      long p50, double rssGrowth, long ndArrayGrowth) {
    return result(endToEnd, model, perRecord, loop, p99, p50, rssGrowth, ndArrayGrowth, Double.NaN);
  }

  /** @param modelSeconds time in model calls of the exactly-once batch-64 run over 10 s of wall time; NaN: none */
  private static BenchResult result(double endToEnd, double model, double perRecord, double loop, long p99,
      long p50, double rssGrowth, long ndArrayGrowth, double modelSeconds) {
    List<InferenceSweep.Point> inference = List.of(new InferenceSweep.Point(64, model, List.of(model)));
    PipelineRun.Result saturated = Double.isNaN(modelSeconds) ? run(Bench.endToEndName(64, true), endToEnd, 0, 0)
        : new PipelineRun.Result(Bench.endToEndName(64, true), Map.of(), 750, 10, 10, 0, true, endToEnd, 1, 0, 0, 0,
            0, 0, 0, List.of(), 1, 1, modelSeconds, 1, new CpuTime.Split(10, 1, 1, 1, 1), List.of());
    List<PipelineRun.Result> endToEndRuns = List.of(saturated,
        run(Bench.endToEndName(1, true), perRecord, 0, 0), run(Bench.endToEndName(64, false), endToEnd, 0, 0));
    List<PipelineRun.Result> latency = List.of(run(Bench.latencyName(0.5), 0, p99, p50));
    MemorySoak.Result soak = new MemorySoak.Result(64, 1_000, 1, List.of(), rssGrowth, 0, ndArrayGrowth);
    return new BenchResult("v", "cnn", "bundle", false, 2, 1, 1, "now", 1, 64, inference,
        new PassThrough.Result(10, 10, 40_000, true, null), endToEndRuns, endToEnd, latency, soak, null,
        Double.isNaN(loop) ? null
            : new PerRecordBaseline.Result(1_000, 1_000, true, loop, 1, 1, loop / 2, 10, 5, 8, 9, true),
        List.of());
  }

  private static PipelineRun.Result run(String name, double itemsPerSecond, long p99, long p50) {
    return new PipelineRun.Result(name, Map.of(), 750, 10, 10, 0, true, itemsPerSecond, 1, p99 > 0 ? 10 : 0, p50,
        p99, p99, p50, p99, List.of(), 1, 1, 1, 1, null, List.of());
  }
}
