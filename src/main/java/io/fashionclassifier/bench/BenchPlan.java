package io.fashionclassifier.bench;

import java.time.Duration;
import java.util.List;

/**
 * How much of each measurement to run. {@link #standard()} gives figures worth comparing (minutes on 2 cores);
 * {@link #smoke()} runs every step on a few records to keep the tool working, and measures nothing worth quoting.
 *
 * @param inferenceBatchSizes batch sizes of the inference-only sweep (none: no sweep)
 * @param inferencePerRepeat how long each timed repetition of one batch size runs (after a warm-up of half that)
 * @param inferenceRepeats timed repetitions per batch size; the median is reported
 * @param passThroughRecords records through the Kafka Streams pass-through topology (0: not run)
 * @param endToEndBatchSizes batch sizes of the saturation runs, each with exactly-once on and off
 * @param endToEndRecords records per saturation run, all in the input topic before the classifier starts
 * @param endToEndLimit longest a saturation run may take once the classifier runs; its rate counts what came out
 * @param latencyFractions send rates of the latency sweep, as fractions of the measured maximum
 * @param latencyPerRate how long each latency run sends
 * @param latencyWarmUp items captured in the first part of each latency run are not counted (model warm-up)
 * @param soakRecords images through one classifier in the memory soak (0: no soak)
 * @param partitions partitions of every input topic (one stream task each)
 */
public record BenchPlan(
    List<Integer> inferenceBatchSizes, Duration inferencePerRepeat, int inferenceRepeats,
    long passThroughRecords,
    List<Integer> endToEndBatchSizes, long endToEndRecords, Duration endToEndLimit,
    List<Double> latencyFractions, Duration latencyPerRate, Duration latencyWarmUp,
    long soakRecords, int partitions) {

  /** Soak length of the long variant: the RSS target compares 2x10^5 with 10^6 records. */
  public static final long LONG_SOAK_RECORDS = 1_000_000;

  private static final List<Integer> POWERS_OF_TWO = List.of(1, 2, 4, 8, 16, 32, 64, 128, 256);
  private static final List<Double> LATENCY_FRACTIONS = List.of(0.25, 0.5, 0.75);

  public BenchPlan {
    if (endToEndBatchSizes.isEmpty() || latencyFractions.isEmpty()) {
      throw new IllegalArgumentException("the end-to-end and latency sweeps need at least one point each");
    }
    if (endToEndBatchSizes.stream().anyMatch(size -> size < 1 || size > 1024)) {
      throw new IllegalArgumentException("batch sizes must lie between 1 and 1024, got " + endToEndBatchSizes);
    }
    if (endToEndRecords < 10 || passThroughRecords < 0 || soakRecords < 0) {
      throw new IllegalArgumentException("an end-to-end run needs at least 10 records");
    }
    inferenceBatchSizes = List.copyOf(inferenceBatchSizes);
    endToEndBatchSizes = List.copyOf(endToEndBatchSizes);
    latencyFractions = List.copyOf(latencyFractions);
  }

  public static BenchPlan standard() {
    return new BenchPlan(POWERS_OF_TWO, Duration.ofSeconds(1), 3, 100_000,
        List.of(1, 8, 32, 64, 128), 10_000, Duration.ofSeconds(30),
        LATENCY_FRACTIONS, Duration.ofSeconds(20), Duration.ofSeconds(2),
        200_000, 2);
  }

  public static BenchPlan smoke() {
    return new BenchPlan(POWERS_OF_TWO, Duration.ofMillis(50), 1, 200,
        List.of(1, 64), 100, Duration.ofSeconds(120),
        List.of(0.5), Duration.ofSeconds(2), Duration.ZERO,
        2_000, 2);
  }

  /** The steps that may be left out of a run, e.g. to compare two builds on the end-to-end figures only. */
  public enum Step { INFERENCE, PASS_THROUGH, SOAK }

  public BenchPlan without(Step step) {
    return switch (step) {
      case INFERENCE -> new BenchPlan(List.of(), inferencePerRepeat, inferenceRepeats, passThroughRecords,
          endToEndBatchSizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
          soakRecords, partitions);
      case PASS_THROUGH -> new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, 0,
          endToEndBatchSizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
          soakRecords, partitions);
      case SOAK -> withSoakRecords(0);
    };
  }

  public BenchPlan withEndToEndBatchSizes(List<Integer> sizes) {
    return new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, passThroughRecords,
        sizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp, soakRecords,
        partitions);
  }

  public BenchPlan withSoakRecords(long records) {
    return new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, passThroughRecords,
        endToEndBatchSizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
        records, partitions);
  }

  public BenchPlan withEndToEndRecords(long records) {
    return new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, passThroughRecords,
        endToEndBatchSizes, records, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
        soakRecords, partitions);
  }
}
