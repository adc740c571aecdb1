package io.fashionclassifier.faults;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;

/**
 * What a second instance adds, measured: for 1 and then 2 instances (fresh application ids, 6 partitions), the
 * instances are started and RUNNING first, then a backlog of {@code records} is sent as fast as the producer
 * goes, and the time until every record has its committed verdict or dead letter (checked by the
 * {@link ExactlyOnceVerifier}) gives the records per second. Prints both and their ratio (docs/scaling.md).
 *
 * <pre>java -cp ... io.fashionclassifier.faults.ScaleOut [records, default 20000]</pre>
 */
public final class ScaleOut {

  private ScaleOut() {}

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    try (KafkaBroker broker = KafkaBroker.start(); ApicurioRegistry registry = ApicurioRegistry.start()) {
      double one = throughput(broker, registry, 1, records);
      double two = throughput(broker, registry, 2, records);
      System.out.printf("1 instance  %.0f records/s%n2 instances %.0f records/s%nratio       %.2f%n", one, two,
          two / one);
    }
    System.exit(0);
  }

  private static double throughput(KafkaBroker broker, ApicurioRegistry registry, int instances, int records)
      throws Exception {
    FaultRun.Settings settings = FaultRun.Settings.of("scale-" + instances, broker.bootstrapServers(),
            registry.confluentUrl(), SmallModel.bundle(), SmallModel.data().test())
        .withRate(1_000_000)
        .withMaxRecords(records);
    try (FaultRun run = new FaultRun(settings)) {
      run.startInstances(instances);
      long start = System.nanoTime();
      run.startLoad();
      run.awaitLoadFinished();
      Verdict verdict = run.stopLoadAndVerify(Duration.ofMinutes(10));
      double seconds = (System.nanoTime() - start) / 1e9 - 3; // the verifier settles 3 s after passing
      System.out.println(run.report(verdict));
      if (!verdict.passed()) {
        throw new IllegalStateException("the run did not pass; no figure");
      }
      return records / seconds;
    }
  }
}
