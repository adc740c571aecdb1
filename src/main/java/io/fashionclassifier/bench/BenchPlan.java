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
 * @param burst the bursty load, run after the latency sweep at the default settings
 * @param perRecordRecords records of the per-record baseline's saturation run (0: no baseline); its latency run
 *     sends at half its own maximum for {@code latencyPerRate}
 */
public record BenchPlan(
    List<Integer> inferenceBatchSizes, Duration inferencePerRepeat, int inferenceRepeats,
    long passThroughRecords,
    List<Integer> endToEndBatchSizes, long endToEndRecords, Duration endToEndLimit,
    List<Double> latencyFractions, Duration latencyPerRate, Duration latencyWarmUp,
    long soakRecords, int partitions, Burst burst, long perRecordRecords) {

  /**
   * A load whose rate switches between two fractions of the measured maximum: low, high, low, ... ending low, so
   * that every burst is followed by a phase in which its backlog can drain.
   *
   * @param phase how long each phase sends
   * @param bursts high phases (0: no bursty run)
   */
  public record Burst(double lowFraction, double highFraction, Duration phase, int bursts) {
    public Burst {
      if (lowFraction <= 0 || highFraction <= lowFraction) {
        throw new IllegalArgumentException("a burst needs 0 < low fraction < high fraction, got " + lowFraction
            + " and " + highFraction);
      }
      if (phase.isNegative() || phase.isZero() || bursts < 0) {
        throw new IllegalArgumentException("a burst needs a positive phase and a count of bursts >= 0");
      }
    }
  }

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
    if (endToEndRecords < 10 || passThroughRecords < 0 || soakRecords < 0 || perRecordRecords < 0) {
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
        200_000, 2, new Burst(0.2, 1.2, Duration.ofSeconds(4), 3), 5_000);
  }

  public static BenchPlan smoke() {
    return new BenchPlan(POWERS_OF_TWO, Duration.ofMillis(50), 1, 200,
        List.of(1, 64), 100, Duration.ofSeconds(120),
        List.of(0.5), Duration.ofSeconds(2), Duration.ZERO,
        2_000, 2, new Burst(0.2, 1.2, Duration.ofSeconds(1), 1), 100);
  }

  /** The steps that may be left out of a run, e.g. to compare two builds on the end-to-end figures only. */
  public enum Step { INFERENCE, PASS_THROUGH, SOAK, BURST, PER_RECORD }

  public BenchPlan without(Step step) {
    return switch (step) {
      case INFERENCE -> new BenchPlan(List.of(), inferencePerRepeat, inferenceRepeats, passThroughRecords,
          endToEndBatchSizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
          soakRecords, partitions, burst, perRecordRecords);
      case PASS_THROUGH -> new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, 0,
          endToEndBatchSizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
          soakRecords, partitions, burst, perRecordRecords);
      case SOAK -> withSoakRecords(0);
      case BURST -> withBurst(new Burst(burst.lowFraction(), burst.highFraction(), burst.phase(), 0));
      case PER_RECORD -> new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, passThroughRecords,
          endToEndBatchSizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
          soakRecords, partitions, burst, 0);
    };
  }

  public BenchPlan withEndToEndBatchSizes(List<Integer> sizes) {
    return new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, passThroughRecords,
        sizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp, soakRecords,
        partitions, burst, perRecordRecords);
  }

  public BenchPlan withSoakRecords(long records) {
    return new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, passThroughRecords,
        endToEndBatchSizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
        records, partitions, burst, perRecordRecords);
  }

  public BenchPlan withEndToEndRecords(long records) {
    return new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, passThroughRecords,
        endToEndBatchSizes, records, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
        soakRecords, partitions, burst, perRecordRecords);
  }

  public BenchPlan withBurst(Burst value) {
    return new BenchPlan(inferenceBatchSizes, inferencePerRepeat, inferenceRepeats, passThroughRecords,
        endToEndBatchSizes, endToEndRecords, endToEndLimit, latencyFractions, latencyPerRate, latencyWarmUp,
        soakRecords, partitions, value, perRecordRecords);
  }
}
