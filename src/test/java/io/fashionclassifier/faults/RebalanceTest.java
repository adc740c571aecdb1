package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.ClassifierTopology;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Several instances of one application id share the input's partitions, and the group changes under load (two
 * instances, then three, then two): the micro-batch buffer (a changelogged store, with a standby copy) moves with
 * its task, so records waiting in a batch on an instance that leaves are classified once, by the instance that
 * held the standby copy and takes the task over. (The exit code of the SIGTERMed instance is
 * {@link ShutdownTest}'s concern.)
 */
class RebalanceTest {

  private static FaultRun.Settings settings(String name) {
    return FaultRun.Settings.of(name, KafkaBroker.shared().bootstrapServers(),
        ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test());
  }

  @Test
  void anInstanceAddedAndOneRemovedUnderLoadLoseAndDuplicateNothing() throws Exception {
    // standby replicas keep a copy of each buffer on another instance, so a moved task restores little
    FaultRun.Settings settings = settings("rebalance").withProperty("num.standby.replicas", "1");
    try (FaultRun run = new FaultRun(settings)) {
      List<ClassifierInstance> first = run.startInstances(2);
      run.startLoad();
      run.awaitMoreSent(400);
      ClassifierInstance added = run.launchInstance();
      run.fault("added " + added);
      run.awaitRunning(added);
      await("3 members with partitions").atMost(Duration.ofSeconds(60))
          .until(() -> run.membersWithPartitions() == 3);
      run.event("3 members share the partitions");
      run.awaitMoreSent(400);
      ClassifierInstance removed = first.get(0);
      List<ClassifierInstance> survivors = run.instances().stream().filter(instance -> instance != removed).toList();
      Map<ClassifierInstance, Integer> logBeforeRemoval = survivors.stream()
          .collect(Collectors.toMap(Function.identity(), instance -> instance.logText().length()));
      run.terminate(removed, Duration.ofSeconds(60));
      await("2 members with partitions").atMost(Duration.ofSeconds(60))
          .until(() -> run.membersWithPartitions() == 2);
      run.awaitMoreSent(400);
      Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(120));
      System.out.println(run.report(verdict));

      assertThat(verdict.differences()).isEmpty();
      assertThat(verdict.distinctVerdicts()).isEqualTo(verdict.good());
      assertThat(verdict.duplicates()).isZero();
      String afterRemoval = survivors.stream()
          .map(instance -> instance.logText().substring(logBeforeRemoval.get(instance)))
          .collect(Collectors.joining());
      assertThat(afterRemoval)
          .as("a buffer of the removed instance was taken over from its standby copy, not restored from scratch")
          .containsPattern("standby of " + ClassifierTopology.BUFFER_STORE + " from \\S+ promoted to active");
    }
  }
}
