package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's figures from verdict times: steady partitions show no pause, a stopped one shows its gap. */
class RecordWaitsTest {

  private static final long FAULT = 100_000;

  /** Two partitions, a record every 100 ms each from 0 to 200 s, classified 50 ms after capture. */
  private static List<RecordWaits.Timing> steady() {
    List<RecordWaits.Timing> timings = new ArrayList<>();
    for (long t = 0; t < 200_000; t += 100) {
      timings.add(new RecordWaits.Timing("a" + t, 0, t, t + 50));
      timings.add(new RecordWaits.Timing("b" + t, 1, t, t + 50));
    }
    return timings;
  }

  @Test
  void steadyPartitionsHaveNoPauseAndTheirWait() {
    RecordWaits.Figures figures = new RecordWaits(steady()).of("nothing", Long.MIN_VALUE, FAULT, Long.MAX_VALUE);

    assertThat(figures.longestWaitMs()).isEqualTo(50);
    assertThat(figures.longestPause()).isEmpty();
    assertThat(figures.processingAgainAfterMs()).isZero();
  }

  @Test
  void aPartitionLeftIdleAfterTheFaultShowsItsPauseAndTheLongestWait() {
    List<RecordWaits.Timing> timings = new ArrayList<>();
    for (RecordWaits.Timing timing : steady()) {
      // partition 1 does nothing from the fault until 45 s later, then catches up
      boolean held = timing.partition() == 1 && timing.classifiedMs() > FAULT && timing.captureMs() < FAULT + 45_000;
      timings.add(held ? new RecordWaits.Timing(timing.itemId(), 1, timing.captureMs(), FAULT + 45_000) : timing);
    }
    RecordWaits.Figures figures = new RecordWaits(timings).of("leave", Long.MIN_VALUE, FAULT, Long.MAX_VALUE);

    // the first record held was captured at the fault
    assertThat(figures.longestWaitMs()).isEqualTo(45_000);
    assertThat(figures.longestPause()).hasValueSatisfying(pause -> {
      assertThat(pause.partition()).isEqualTo(1);
      // from the partition's last verdict before the fault (captured 100 ms before it, classified 50 ms later)
      assertThat(pause.lengthMs()).isEqualTo(45_000 + 50);
    });
    assertThat(figures.processingAgainAfterMs()).isEqualTo(45_000);
  }

  @Test
  void theItemPartitionIsTheOneTheProducerChooses() {
    for (int i = 0; i < 1_000; i++) {
      String itemId = String.format("item-%06d", i);
      assertThat(RecordWaits.partitionOf(itemId, 6)).as(itemId).isEqualTo(
          org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(
              itemId.getBytes(java.nio.charset.StandardCharsets.UTF_8), 6));
    }
  }
}
