package io.fashionclassifier.faults;

import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each fault costs in time, with the app's defaults (Kafka's 45 s session timeout, not the harness's short
 * one): for each fault, several runs of two instances under 100 records/s on a fresh application id, the fault
 * applied once, then the exactly-once verification; prints per run the longest wait of a record (capture to
 * verdict) and the time until every partition was processed again ({@link RecordWaits}), then the medians.
 *
 * <ul>
 *   <li>{@code join}: a second instance added to one (the fault is noted when its Kafka Streams starts);
 *   <li>{@code leave}: one of two stopped with SIGTERM (a scale-in);
 *   <li>{@code restart}: one of two stopped with SIGTERM and started again on its state directory (a rolling
 *       restart);
 *   <li>{@code restart-then-stop}: a restart, and the restarted instance stopped again with SIGTERM while its
 *       group is still rebalancing (Kafka Streams finishes a rebalance in progress before it stops);
 *   <li>{@code kill}: one of two SIGKILLed and left down;
 *   <li>{@code broker-restart}: the only broker stopped and started again on its data directory;
 *   <li>{@code registry-outage}: the registry stopped for {@code --outage-seconds} and started again.
 * </ul>
 *
 * <pre>
 * java -cp ... io.fashionclassifier.faults.FaultTimes [--runs 3] [--faults join,leave,restart,kill,broker-restart,
 *     registry-outage] [--protocol classic|streams] [--outage-seconds 15] [-D key=value]...
 * </pre>
 *
 * {@code -D} settings go to every instance ({@code --protocol streams} is {@code -D group.protocol=streams}, the
 * KIP-1071 rebalance protocol). It starts its own broker and registry. Exits 0 when every run passed the
 * exactly-once check.
 */
public final class FaultTimes {

  private static final List<String> ALL =
      List.of("join", "leave", "restart", "kill", "broker-restart", "registry-outage");

  private FaultTimes() {}

  public static void main(String[] args) throws Exception {
    int runs = 3;
    List<String> faults = ALL;
    Duration outage = Duration.ofSeconds(15);
    Map<String, String> properties = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(value);
        case "--faults" -> faults = Arrays.asList(value.split(","));
        case "--protocol" -> properties.put("group.protocol", value);
        case "--outage-seconds" -> outage = Duration.ofSeconds(Long.parseLong(value));
        case "-D" -> properties.put(value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
        default -> {
          System.err.println("error: unknown option " + args[i] + "; see the FaultTimes class comment");
          System.exit(2);
        }
      }
    }
    boolean passed = true;
    Map<String, List<RecordWaits.Figures>> results = new LinkedHashMap<>();
    try (KafkaBroker broker = KafkaBroker.start(); ApicurioRegistry registry = ApicurioRegistry.start()) {
      for (String fault : faults) {
        for (int run = 1; run <= runs; run++) {
          FaultRun.Settings settings = FaultRun.Settings.of(fault, broker.bootstrapServers(), registry.confluentUrl(),
              SmallModel.bundle(), SmallModel.data().test()).withDefaultSessionTimeout();
          for (Map.Entry<String, String> property : properties.entrySet()) {
            settings = settings.withProperty(property.getKey(), property.getValue());
          }
          try (FaultRun faultRun = new FaultRun(settings)) {
            apply(fault, faultRun, broker, registry, outage);
            Verdict verdict = faultRun.stopLoadAndVerify(Duration.ofMinutes(3));
            System.out.println(faultRun.report(verdict));
            passed &= verdict.passed();
            RecordWaits.Figures figures = faultRun.figures(verdict).get(0);
            results.computeIfAbsent(fault, f -> new ArrayList<>()).add(figures);
            System.out.printf("RESULT %s run %d: %s%n", fault, run, figures.line());
          }
        }
      }
    }
    System.out.println("\nsettings: " + properties + " (Kafka's default session timeout)");
    System.out.println("| fault | runs | longest wait, median (each run) | all partitions processing again after, "
        + "median (each run) |");
    System.out.println("| --- | --- | --- | --- |");
    results.forEach((fault, list) -> System.out.printf("| %s | %d | %.1f s (%s) | %.1f s (%s) |%n", fault,
        list.size(), median(list.stream().mapToLong(RecordWaits.Figures::longestWaitMs).toArray()) / 1e3,
        seconds(list.stream().mapToLong(RecordWaits.Figures::longestWaitMs).toArray()),
        median(list.stream().mapToLong(RecordWaits.Figures::processingAgainAfterMs).toArray()) / 1e3,
        seconds(list.stream().mapToLong(RecordWaits.Figures::processingAgainAfterMs).toArray())));
    System.exit(passed ? 0 : 1);
  }

  private static void apply(String fault, FaultRun run, KafkaBroker broker, ApicurioRegistry registry,
      Duration outage) throws Exception {
    List<ClassifierInstance> instances = run.startInstances(fault.equals("join") ? 1 : 2);
    run.startLoad();
    run.awaitMoreSent(300);
    switch (fault) {
      case "join" -> {
        ClassifierInstance added = run.launchInstance();
        await("Kafka Streams of " + added + " starting").atMost(FaultRun.START_TIMEOUT)
            .pollInterval(Duration.ofMillis(100)).until(() -> added.currentRunLog().contains("-> REBALANCING"));
        run.fault("join of " + added);
        run.awaitRunning(added);
      }
      case "leave" -> run.terminate(instances.get(0), Duration.ofSeconds(60));
      case "restart" -> {
        run.terminate(instances.get(0), Duration.ofSeconds(60));
        run.restart(instances.get(0));
        run.awaitRunning(instances.get(0));
      }
      case "restart-then-stop" -> {
        run.terminate(instances.get(0), Duration.ofSeconds(60));
        run.restart(instances.get(0));
        await("Kafka Streams of " + instances.get(0) + " starting").atMost(FaultRun.START_TIMEOUT)
            .pollInterval(Duration.ofMillis(100))
            .until(() -> instances.get(0).currentRunLog().contains("-> REBALANCING"));
        run.awaitMoreSent(500);
        run.terminate(instances.get(0), Duration.ofSeconds(60));
      }
      case "kill" -> run.kill(instances.get(0));
      case "broker-restart" -> {
        run.fault("broker stopped");
        broker.stop();
        broker.restart();
        run.event("broker restarted on the same data directory");
      }
      case "registry-outage" -> {
        run.fault("registry stopped");
        registry.stop();
        await("outage with the instances up").during(outage).atMost(outage.plusSeconds(10))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> run.instances().stream().allMatch(ClassifierInstance::isAlive));
        registry.restart();
        run.event("registry restarted");
      }
      default -> throw new IllegalArgumentException("unknown fault " + fault + "; one of " + ALL);
    }
    // long enough after the fault for partitions left idle to show in the waits
    run.awaitMoreSent(1_500);
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }

  private static String seconds(long[] values) {
    return String.join(", ", Arrays.stream(values).mapToObj(v -> String.format("%.1f", v / 1e3)).toList());
  }
}
