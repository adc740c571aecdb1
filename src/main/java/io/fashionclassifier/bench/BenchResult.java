package io.fashionclassifier.bench;

import java.util.List;
import java.util.Optional;

/**
 * Everything one benchmark run measured, as written to {@code bench-result.json}.
 *
 * @param loadAverageStart the machine's one-minute load average when the run started (other work skews figures)
 * @param maxItemsPerSecond end-to-end items/s with the default settings at saturation: the latency sweep's 100%
 * @param burst the bursty load, null when not run
 * @param perRecord the per-record consumer loop measured in the same run, null when not run
 */
public record BenchResult(
    String modelVersion, String architecture, String flipTta, boolean smoke, int cores,
    double loadAverageStart, double loadAverageEnd, String startedAt, double seconds,
    int defaultBatchSize, List<InferenceSweep.Point> inference, PassThrough.Result passThrough,
    List<PipelineRun.Result> endToEnd, double maxItemsPerSecond, List<PipelineRun.Result> latency,
    MemorySoak.Result soak, BurstLoad.Result burst, PerRecordBaseline.Result perRecord,
    List<Targets.Check> checks) {

  BenchResult withChecks(List<Targets.Check> verdicts) {
    return new BenchResult(modelVersion, architecture, flipTta, smoke, cores, loadAverageStart, loadAverageEnd,
        startedAt, seconds, defaultBatchSize, inference, passThrough, endToEnd, maxItemsPerSecond, latency, soak,
        burst, perRecord, List.copyOf(verdicts));
  }

  /** The saturation run at {@code batchSize} with exactly-once on or off. */
  Optional<PipelineRun.Result> endToEnd(int batchSize, boolean exactlyOnce) {
    return endToEnd.stream()
        .filter(r -> r.name().equals(Bench.endToEndName(batchSize, exactlyOnce)))
        .findFirst();
  }

  Optional<InferenceSweep.Point> inference(int batchSize) {
    return inference.stream().filter(p -> p.batchSize() == batchSize).findFirst();
  }
}
