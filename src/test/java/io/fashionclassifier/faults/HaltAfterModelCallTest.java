package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A crash at the one instant a kill from outside cannot aim at: after the model classified a batch and before its
 * verdicts were forwarded. The batch is in the committed buffer or its inputs are after the last commit, so the
 * restarted instance classifies it again, and exactly once.
 */
class HaltAfterModelCallTest {

  @Test
  void aCrashBetweenTheModelCallAndTheSendOfItsBatchLosesAndDuplicatesNothing() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    FaultRun.Settings settings = FaultRun.Settings.of("halt-after-model", broker.bootstrapServers(),
            ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test())
        .withLongTransactions("2000");
    try (FaultRun run = new FaultRun(settings)) {
      run.startInstances(1);
      Path marker = Files.createTempFile("halted-", ".marker");
      Files.delete(marker);
      ClassifierInstance halting = run.launchInstance(
          List.of(HaltAfterModelCall.class.getName()),
          Map.of(HaltAfterModelCall.CALLS, "25", HaltAfterModelCall.MARKER, marker.toString()));
      run.awaitRunning(halting);
      run.startLoad();

      assertThat(halting.awaitExit(Duration.ofMinutes(2))).as("halted after its 25th model call").isTrue();
      assertThat(halting.exitValue()).isEqualTo(HaltAfterModelCall.HALTED);
      assertThat(marker).exists();
      run.fault(halting + " halted between a model call and the send of its batch");
      run.restart(halting);
      run.awaitRunning(halting);
      run.awaitMoreSent(300);
      Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(120));
      System.out.println(run.report(verdict));

      assertThat(verdict.differences()).isEmpty();
      assertThat(verdict.lost()).isZero();
      assertThat(verdict.duplicates()).isZero();
      assertThat(verdict.deadLetters()).isEqualTo(verdict.hostile());
      Files.deleteIfExists(marker);
    }
  }

  @Test
  void aCrashWithABatchInFlightAfterItsOffsetsWereCommittedClassifiesItAgainOnceAndSendsItOnce() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    FaultRun.Settings settings = FaultRun.Settings.of("halt-in-flight", broker.bootstrapServers(),
        ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test());
    try (FaultRun run = new FaultRun(settings)) {
      run.startInstances(1);
      Path marker = Files.createTempFile("halted-", ".marker");
      Files.delete(marker);
      ClassifierInstance halting = run.launchInstance(
          List.of(HaltAfterModelCall.class.getName()),
          Map.of(HaltAfterModelCall.CALLS, "25", HaltAfterModelCall.MARKER, marker.toString(),
              HaltAfterModelCall.IN_FLIGHT, "true"));
      run.awaitRunning(halting);
      run.startLoad();

      assertThat(halting.awaitExit(Duration.ofMinutes(2))).as("halted in its 25th model call").isTrue();
      assertThat(halting.exitValue()).isEqualTo(HaltAfterModelCall.HALTED);
      run.fault(halting + " halted with a batch in flight whose input offsets were committed");
      Matcher halted = Pattern.compile("\\((\\d+) images\\)").matcher(Files.readString(marker));
      assertThat(halted.find()).isTrue();
      int inFlight = Integer.parseInt(halted.group(1));
      ClassifierInstance other = run.instances().get(0);
      int otherLogBefore = other.logText().length();
      run.restart(halting);
      run.awaitRunning(halting);
      run.awaitMoreSent(300);
      Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(120));
      System.out.println(run.report(verdict));

      assertThat(verdict.differences()).isEmpty();
      assertThat(verdict.lost()).as("the batch in flight was committed as buffered, and classified again").isZero();
      assertThat(verdict.duplicates()).as("its verdicts were never sent before the crash").isZero();
      assertThat(verdict.deadLetters()).isEqualTo(verdict.hostile());
      // whoever took the task over restored the batch that was in flight (and what was buffered after it)
      String after = other.logText().substring(otherLogBefore) + halting.currentRunLog();
      Matcher restored = Pattern.compile("task \\S+: (\\d+) buffered records restored").matcher(after);
      int most = 0;
      while (restored.find()) {
        most = Math.max(most, Integer.parseInt(restored.group(1)));
      }
      assertThat(most).as("records restored by one task after the crash").isGreaterThanOrEqualTo(inFlight);
      Files.deleteIfExists(marker);
    }
  }
}
