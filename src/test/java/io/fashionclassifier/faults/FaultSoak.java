package io.fashionclassifier.faults;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * The fault harness from the command line, for soak runs longer than CI affords: N instances under load for a
 * number of minutes, one instance SIGKILLed and restarted at random every few seconds, then the exactly-once
 * verification. Prints the run's events and the verdict; exits 0 on PASS, 1 on any difference.
 *
 * <pre>
 * java -cp ... io.fashionclassifier.faults.FaultSoak [--minutes 10] [--instances 3] [--rate 200]
 *     [--kill-every-seconds 20] [--commit-interval-ms 5000] [--model DIR] [--seed 1]
 * </pre>
 *
 * Without {@code --bootstrap-servers} and {@code --schema-registry-url} it starts its own broker and registry
 * (see docs/reliability.md for the full command line).
 */
public final class FaultSoak {

  private FaultSoak() {}

  public static void main(String[] args) throws Exception {
    double minutes = 10;
    int instances = 3;
    int rate = 200;
    int killEverySeconds = 20;
    String commitInterval = "5000";
    String bootstrap = null;
    String registryUrl = null;
    Path model = null;
    long seed = System.nanoTime();
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--minutes" -> minutes = Double.parseDouble(value);
        case "--instances" -> instances = Integer.parseInt(value);
        case "--rate" -> rate = Integer.parseInt(value);
        case "--kill-every-seconds" -> killEverySeconds = Integer.parseInt(value);
        case "--commit-interval-ms" -> commitInterval = value;
        case "--bootstrap-servers" -> bootstrap = value;
        case "--schema-registry-url" -> registryUrl = value;
        case "--model" -> model = Path.of(value);
        case "--seed" -> seed = Long.parseLong(value);
        default -> {
          System.err.println("error: unknown option " + args[i] + "; see the FaultSoak class comment");
          System.exit(2);
        }
      }
      i++;
    }
    KafkaBroker ownBroker = bootstrap == null ? KafkaBroker.start() : null;
    ApicurioRegistry ownRegistry = registryUrl == null ? ApicurioRegistry.start() : null;
    int exit;
    try {
      exit = soak(
          bootstrap != null ? bootstrap : ownBroker.bootstrapServers(),
          registryUrl != null ? registryUrl : ownRegistry.confluentUrl(),
          model != null ? model : SmallModel.bundle(),
          Duration.ofSeconds((long) (minutes * 60)), instances, rate, Duration.ofSeconds(killEverySeconds),
          commitInterval, new Random(seed));
    } finally {
      if (ownRegistry != null) {
        ownRegistry.close();
      }
      if (ownBroker != null) {
        ownBroker.close();
      }
    }
    System.exit(exit);
  }

  private static int soak(String bootstrap, String registryUrl, Path model, Duration length, int instanceCount,
      int rate, Duration killEvery, String commitInterval, Random random) throws Exception {
    FaultRun.Settings settings = FaultRun.Settings.of("soak", bootstrap, registryUrl, model, SmallModel.data().test())
        .withRate(rate)
        .withMaxRecords(Integer.MAX_VALUE)
        .withLongTransactions(commitInterval);
    try (FaultRun run = new FaultRun(settings)) {
      List<ClassifierInstance> instances = run.startInstances(instanceCount);
      run.startLoad();
      long end = System.nanoTime() + length.toNanos();
      int kills = 0;
      while (System.nanoTime() < end) {
        run.awaitMoreSent((int) Math.max(1, killEvery.toSeconds() * rate));
        ClassifierInstance victim = instances.get(random.nextInt(instances.size()));
        run.kill(victim);
        run.restart(victim);
        kills++;
        run.awaitRunning(victim);
      }
      run.awaitMoreSent(rate * 5);
      Verdict verdict = run.stopLoadAndVerify(Duration.ofMinutes(5));
      System.out.println(run.report(verdict));
      System.out.println("kills         " + kills);
      return verdict.passed() ? 0 : 1;
    }
  }
}
