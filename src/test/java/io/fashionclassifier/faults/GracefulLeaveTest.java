package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A scale-in: one of two instances stopped with SIGTERM under load, with the group's timeouts as a deployment has
 * them (Kafka's 45 s session timeout; the harness's short one would hide the fault). The stopping instance must
 * leave the group, so that the other takes its partitions over at once rather than when the session expires, and
 * must stop promptly rather than use its whole shutdown bound.
 */
class GracefulLeaveTest {

  /** The promise: a graceful leave under load delays no record by more than this (issue 21). */
  private static final Duration LONGEST_WAIT = Duration.ofSeconds(15);

  @Test
  void aGracefulLeaveOfOneOfTwoInstancesUnderLoadDelaysNoRecordOverFifteenSeconds() throws Exception {
    FaultRun.Settings settings = FaultRun.Settings.of("leave", KafkaBroker.shared().bootstrapServers(),
            ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test())
        .withDefaultSessionTimeout();
    Duration bound = ClassifierConfig.of(java.util.Map.of()).shutdownTimeout();
    try (FaultRun run = new FaultRun(settings)) {
      List<ClassifierInstance> instances = run.startInstances(2);
      run.startLoad();
      run.awaitMoreSent(300);
      Duration stop = run.terminate(instances.get(0), bound.plusSeconds(10));
      // longer than the promise, so that partitions left idle show in the waits
      run.awaitMoreSent(2_000);
      Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(120));
      System.out.println(run.report(verdict));
      RecordWaits.Figures leave = run.figures(verdict).get(0);

      assertThat(verdict.differences()).isEmpty();
      assertThat(instances.get(0).exitValue()).as("exit code after SIGTERM").isZero();
      assertThat(Duration.ofMillis(leave.longestWaitMs()))
          .as("longest wait from capture to verdict after the leave (%s)", leave.line())
          .isLessThanOrEqualTo(LONGEST_WAIT);
      assertThat(stop).as("time from SIGTERM to exit, of a bound of %s", bound)
          .isLessThan(bound.dividedBy(2));
    }
  }
}
