package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.local.KafkaCluster;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Brokers going away under load: a restart of the only broker, and a node of a three-node cluster killed. */
class BrokerRestartTest {

  @Test
  void theOnlyBrokerRestartedOnItsDataDirectoryUnderLoadLosesAndDuplicatesNothing() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start()) {
      FaultRun.Settings settings = FaultRun.Settings.of("broker-restart", broker.bootstrapServers(),
          ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test());
      try (FaultRun run = new FaultRun(settings)) {
        run.startInstances(2);
        run.startLoad();
        run.awaitMoreSent(400);
        run.fault("broker stopped");
        broker.stop();
        broker.restart();
        run.event("broker restarted on the same data directory");
        run.awaitMoreSent(600);
        Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(180));
        System.out.println(run.report(verdict));

        assertThat(verdict.differences()).isEmpty();
        assertThat(verdict.distinctVerdicts()).isEqualTo(verdict.good());
        assertThat(verdict.duplicates()).isZero();
        assertThat(run.instances()).as("the instances rode out the restart").allMatch(ClassifierInstance::isAlive);
      }
    }
  }

  @Test
  void aNodeOfAThreeNodeClusterKilledUnderLoadLosesAndDuplicatesNothing() throws Exception {
    try (KafkaCluster cluster = KafkaCluster.start(3)) {
      FaultRun.Settings settings = FaultRun.Settings.of("cluster", cluster.bootstrapServers(),
              ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test())
          .withReplication(3)
          .withProperty("replication.factor", "3");
      try (FaultRun run = new FaultRun(settings)) {
        run.startInstances(2);
        run.startLoad();
        run.awaitMoreSent(400);
        run.fault("SIGKILL broker node 2 of 3 (replication 3, min.insync.replicas 2)");
        cluster.node(2).kill();
        run.awaitMoreSent(800);
        Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(180));
        System.out.println(run.report(verdict));

        assertThat(verdict.differences()).isEmpty();
        assertThat(verdict.distinctVerdicts()).isEqualTo(verdict.good());
        assertThat(verdict.duplicates()).isZero();
        // a commit that fails because the killed node led the transaction state partition (InvalidTxnStateException)
        // replaces the stream thread rather than stopping the instance
        assertThat(run.instances()).as("both instances rode out the node loss").allMatch(ClassifierInstance::isAlive);
      }
    }
  }
}
