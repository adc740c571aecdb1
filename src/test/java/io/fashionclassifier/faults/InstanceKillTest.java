package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL inside open transactions (Kafka's {@code StreamsEosTest}): two instances share six partitions under a
 * steady load, with a commit interval of 5 s, so each kill lands while a transaction holds uncommitted verdicts;
 * an instance is killed three times in turn and restarted (a pod restart on its volume), and every input is still
 * classified or dead-lettered exactly once.
 */
class InstanceKillTest {

  @Test
  void threeKillsInsideOpenTransactionsLoseAndDuplicateNothing() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    FaultRun.Settings settings = FaultRun.Settings.of("kill", broker.bootstrapServers(),
            ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test())
        .withLongTransactions("5000");
    try (FaultRun run = new FaultRun(settings)) {
      List<ClassifierInstance> instances = run.startInstances(2);
      run.startLoad();
      for (int kill = 0; kill < 3; kill++) {
        ClassifierInstance victim = instances.get(kill % 2);
        run.awaitMoreSent(300);
        run.kill(victim);
        run.restart(victim);
        run.awaitRunning(victim);
        run.event(victim + " RUNNING again");
      }
      run.awaitMoreSent(300);
      Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(120));
      System.out.println(run.report(verdict));

      assertThat(verdict.differences()).isEmpty();
      assertThat(verdict.lost()).isZero();
      assertThat(verdict.duplicates()).isZero();
      assertThat(verdict.deadLetters()).isEqualTo(verdict.hostile()).isPositive();
      assertThat(verdict.abortedVerdicts()).as("verdicts of transactions the kills left open were aborted")
          .isPositive();
    }
  }
}
