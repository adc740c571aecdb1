package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The schema registry down for 30 s under load, with hostile inputs behind unknown schema ids arriving meanwhile
 * (only the registry can say they are unknown): no good record is dead-lettered, none is lost, and every hostile
 * one is dead-lettered once the registry is back.
 */
class RegistryRestartTest {

  @Test
  void registryStoppedThirtySecondsUnderLoadDeadLettersNoGoodRecordAndLosesNone() throws Exception {
    try (ApicurioRegistry registry = ApicurioRegistry.start()) {
      FaultRun.Settings settings = FaultRun.Settings.of("registry-outage", KafkaBroker.shared().bootstrapServers(),
          registry.confluentUrl(), SmallModel.bundle(), SmallModel.data().test());
      try (FaultRun run = new FaultRun(settings)) {
        run.startInstances(2);
        run.startLoad();
        run.awaitMoreSent(300);
        run.fault("registry stopped");
        registry.stop();
        await("30 s of outage with the instances up").during(Duration.ofSeconds(30))
            .atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1))
            .until(() -> run.instances().stream().allMatch(ClassifierInstance::isAlive));
        registry.restart();
        run.event("registry restarted on the same storage and port");
        run.awaitMoreSent(300);
        Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(180));
        System.out.println(run.report(verdict));

        assertThat(verdict.differences()).isEmpty();
        assertThat(verdict.distinctVerdicts()).isEqualTo(verdict.good());
        assertThat(verdict.deadLetters()).isEqualTo(verdict.hostile());
        assertThat(run.instances()).allMatch(ClassifierInstance::isAlive);
      }
    }
  }
}
