package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM with the broker gone: Kubernetes sends SIGTERM and kills the pod after its grace period (30 s by
 * default), so the stop must finish within {@code fashion.shutdown.timeout.ms} whether or not Kafka answers,
 * and exit with 0 so the pod is not reported as failed.
 */
class ShutdownTest {

  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  @Test
  void sigtermWithTheBrokerUnreachableStopsWithinTheShutdownTimeoutWithExitCodeZero() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start()) {
      FaultRun.Settings settings = FaultRun.Settings.of("shutdown", broker.bootstrapServers(),
              ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test())
          .withEnvironment("FASHION_SHUTDOWN_TIMEOUT_MS", Long.toString(SHUTDOWN_TIMEOUT.toMillis()));
      try (FaultRun run = new FaultRun(settings)) {
        ClassifierInstance instance = run.startInstances(1).get(0);
        run.startLoad();
        run.awaitMoreSent(200);
        broker.kill();
        run.event("broker killed");
        long signalled = System.nanoTime();
        instance.terminate();
        boolean exited = instance.awaitExit(SHUTDOWN_TIMEOUT.plusSeconds(10));
        Duration took = Duration.ofNanos(System.nanoTime() - signalled);
        run.event("SIGTERM answered in " + took.toMillis() + " ms");
        System.out.println("stop with the broker unreachable took " + took.toMillis() + " ms");

        assertThat(exited).as("stopped within the shutdown timeout plus 10 s of JVM exit; log %s", instance.log())
            .isTrue();
        assertThat(instance.exitValue()).as("exit code after SIGTERM").isZero();
      }
    }
  }
}
