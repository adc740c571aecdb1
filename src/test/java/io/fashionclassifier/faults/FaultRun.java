package io.fashionclassifier.faults;

import static org.awaitility.Awaitility.await;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A fault run: N instances of the real {@code stream} command with one application id against a real broker and
 * registry, a {@link ScannerLoad} at a set rate, faults applied by the caller (kill, terminate, add an instance,
 * stop a broker or the registry), and the {@link ExactlyOnceVerifier} at the end. Every fault is logged as an event,
 * and {@link #report(Verdict)} prints them with the verdict for a person to read, and for each fault noted with
 * {@link #fault(String)} the longest wait of a record (capture to verdict) and the time until every partition was
 * processed again ({@link RecordWaits}).
 */
final class FaultRun implements AutoCloseable {

  /** The run's topics; names carry the run id so runs on one broker never meet. */
  record Topics(String input, String classified, String aggregates, String deadLetters) {}

  /** A fault and when it was applied (epoch ms, the clock the instances stamp verdicts with). */
  record Fault(String what, long atMs) {}

  /**
   * The harness's session timeout: a killed member must leave the group quickly for the others to take over its
   * tasks, so that kill tests stay short. Runs that measure what the app does on its own drop it
   * ({@link Settings#withDefaultSessionTimeout()}).
   */
  static final Map<String, String> SHORT_SESSION = Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1500");

  /** How to run the classifier and the scanners. */
  record Settings(
      String name,
      String bootstrap,
      String registryUrl,
      Path model,
      LabelledImages images,
      int partitions,
      int replication,
      int ratePerSecond,
      int maxRecords,
      int hostileEvery,
      Map<String, String> properties,
      Map<String, String> environment) {

    /**
     * Defaults for CI: 6 partitions, 100 records/s, at most 20,000 records, one in 50 hostile, the harness's short
     * session timeout.
     */
    static Settings of(String name, String bootstrap, String registryUrl, Path model, LabelledImages images) {
      return new Settings(name, bootstrap, registryUrl, model, images, 6, 1, 100, 20_000, 50,
          SHORT_SESSION, Map.of());
    }

    /** The group's timeouts as the app sets them (Kafka's defaults): what a deployment gets. */
    Settings withDefaultSessionTimeout() {
      Map<String, String> fewer = new LinkedHashMap<>(properties);
      SHORT_SESSION.keySet().forEach(fewer::remove);
      return new Settings(name, bootstrap, registryUrl, model, images, partitions, replication, ratePerSecond,
          maxRecords, hostileEvery, fewer, environment);
    }

    Settings withProperty(String key, String value) {
      Map<String, String> more = new LinkedHashMap<>(properties);
      more.put(key, value);
      return new Settings(name, bootstrap, registryUrl, model, images, partitions, replication, ratePerSecond,
          maxRecords, hostileEvery, more, environment);
    }

    /**
     * Transactions held open for {@code commitIntervalMs}, with no commit after each partial batch either, so that a
     * fault lands while a transaction holds uncommitted verdicts.
     */
    Settings withLongTransactions(String commitIntervalMs) {
      return withProperty("commit.interval.ms", commitIntervalMs)
          .withProperty(ClassifierConfig.BATCH_COMMIT_PARTIAL, "false");
    }

    Settings withEnvironment(String key, String value) {
      Map<String, String> more = new LinkedHashMap<>(environment);
      more.put(key, value);
      return new Settings(name, bootstrap, registryUrl, model, images, partitions, replication, ratePerSecond,
          maxRecords, hostileEvery, properties, more);
    }

    Settings withRate(int ratePerSecond) {
      return new Settings(name, bootstrap, registryUrl, model, images, partitions, replication, ratePerSecond,
          maxRecords, hostileEvery, properties, environment);
    }

    Settings withReplication(int replication) {
      return new Settings(name, bootstrap, registryUrl, model, images, partitions, replication, ratePerSecond,
          maxRecords, hostileEvery, properties, environment);
    }

    Settings withMaxRecords(int maxRecords) {
      return new Settings(name, bootstrap, registryUrl, model, images, partitions, replication, ratePerSecond,
          maxRecords, hostileEvery, properties, environment);
    }
  }

  static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Settings settings;
  private final String runId = UUID.randomUUID().toString().substring(0, 8);
  private final String applicationId;
  private final Topics topics;
  private final Path directory;
  private final List<ClassifierInstance> instances = new ArrayList<>();
  private final List<String> events = new ArrayList<>();
  private final List<Fault> faults = new ArrayList<>();
  private final long started = System.nanoTime();
  private ScannerLoad load;
  private String instanceBootstrap;

  FaultRun(Settings settings) {
    this.settings = settings;
    this.applicationId = settings.name() + "-" + runId;
    this.topics = new Topics(applicationId + "-in", applicationId + "-classified", applicationId + "-aggregates",
        applicationId + "-dlq");
    try {
      this.directory = Files.createDirectories(Path.of("target", "fault-runs", applicationId));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    createTopics();
  }

  String applicationId() {
    return applicationId;
  }

  Topics topics() {
    return topics;
  }

  Path directory() {
    return directory;
  }

  List<ClassifierInstance> instances() {
    return instances;
  }

  Map<String, Object> serdeConfig() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("schema.registry.url", settings.registryUrl());
    return config;
  }

  /** The topics, made here so that several instances starting at once do not race to create them. */
  private void createTopics() {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", settings.bootstrap()))) {
      List<NewTopic> wanted = List.of(topics.input(), topics.classified(), topics.aggregates(), topics.deadLetters())
          .stream().map(name -> new NewTopic(name, settings.partitions(), (short) settings.replication())).toList();
      admin.createTopics(wanted).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create the run's topics: " + e.getCause(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Makes instances launched from now on connect to {@code bootstrap} (another listener of the same cluster, e.g.
   * SASL_SSL) while the scanners and the verifier keep the run's own.
   */
  void instancesConnectTo(String bootstrap) {
    this.instanceBootstrap = bootstrap;
  }

  /** Launches {@code count} more instances at once and waits until each is RUNNING. */
  List<ClassifierInstance> startInstances(int count) {
    List<ClassifierInstance> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      started.add(launchInstance());
    }
    started.forEach(this::awaitRunning);
    return started;
  }

  /** Launches one more instance (own state directory, same application id) without waiting. */
  ClassifierInstance launchInstance() {
    return launchInstance(List.of("io.fashionclassifier.cli.Main", "stream"), Map.of());
  }

  /**
   * Launches one more instance running {@code main} (a main class and its leading arguments) with the harness's
   * options, and {@code environment} over the run's.
   */
  ClassifierInstance launchInstance(List<String> main, Map<String, String> environment) {
    int number = instances.size() + 1;
    String name = "instance-" + number;
    Path stateDir = directory.resolve(name + "-state");
    List<String> arguments = new ArrayList<>(List.of(
        "--bootstrap-servers", instanceBootstrap == null ? settings.bootstrap() : instanceBootstrap,
        "--application-id", applicationId,
        "--schema-registry-url", settings.registryUrl(),
        "--model", settings.model().toString(),
        "--batch-size", "32",
        "--max-wait-ms", "50",
        "--http-port", "0",
        "-D", "fashion.topic.input=" + topics.input(),
        "-D", "fashion.topic.classified=" + topics.classified(),
        "-D", "fashion.topic.aggregates=" + topics.aggregates(),
        "-D", "fashion.topic.dlq=" + topics.deadLetters(),
        "-D", "fashion.topics.partitions=" + settings.partitions(),
        "-D", "state.dir=" + stateDir));
    settings.properties().forEach((key, value) -> {
      arguments.add("-D");
      arguments.add(key + "=" + value);
    });
    Map<String, String> env = new java.util.HashMap<>(settings.environment());
    env.putAll(environment);
    ClassifierInstance instance = ClassifierInstance.launch(name, main, arguments, env,
        directory.resolve(name + ".log"));
    instances.add(instance);
    event("started " + name);
    return instance;
  }

  /** Waits until {@code instance} has reached RUNNING (a failure quotes its log). */
  void awaitRunning(ClassifierInstance instance) {
    await("RUNNING of " + instance).atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(250)).until(() -> {
      if (!instance.isAlive()) {
        throw new AssertionError(instance + " exited with " + instance.exitValue() + ":\n"
            + tail(instance.currentRunLog()));
      }
      return instance.hasRun();
    });
  }

  /** Starts the scanners; the run's input is whatever they sent until {@link #stopLoad()}. */
  void startLoad() {
    load = new ScannerLoad(settings.bootstrap(), serdeConfig(), topics.input(), settings.images(),
        settings.ratePerSecond(), settings.maxRecords(), settings.hostileEvery());
    event("load started at " + settings.ratePerSecond() + " records/s");
  }

  /** Waits until the scanners have sent {@code more} records after this call (the load goes on meanwhile). */
  void awaitMoreSent(int more) {
    int target = load.sent() + more;
    await("scanners at " + target + " records").atMost(Duration.ofSeconds(60 + 2L * more / settings.ratePerSecond()))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> {
          if (!load.isRunning()) {
            throw new AssertionError("the scanners stopped at " + load.sent() + " records (maximum reached)");
          }
          return load.sent() >= target;
        });
  }

  /** Waits until the scanners have sent their maximum number of records. */
  void awaitLoadFinished() throws InterruptedException {
    load.awaitFinished();
    event("load finished");
  }

  int sent() {
    return load.sent();
  }

  void kill(ClassifierInstance instance) {
    fault("SIGKILL " + instance);
    instance.kill();
  }

  /**
   * SIGTERM to {@code instance} (a pod deleted, a scale-in) and waits up to {@code timeout} for it to exit; returns
   * how long it took.
   *
   * @throws AssertionError when it is still running after {@code timeout}
   */
  Duration terminate(ClassifierInstance instance, Duration timeout) throws InterruptedException {
    fault("SIGTERM " + instance);
    long signalled = System.nanoTime();
    instance.terminate();
    if (!instance.awaitExit(timeout)) {
      throw new AssertionError(instance + " still running " + timeout.toSeconds() + " s after SIGTERM; log "
          + instance.log());
    }
    Duration took = Duration.ofNanos(System.nanoTime() - signalled);
    event(instance + " exited with " + instance.exitValue() + " " + took.toMillis() + " ms after SIGTERM");
    return took;
  }

  /** Notes a fault applied now: an event, and a point {@link #figures(Verdict)} measures from. */
  void fault(String what) {
    faults.add(new Fault(what, System.currentTimeMillis()));
    event(what);
  }

  /** For each fault noted, in order, the records' longest wait and the time until the group processed again. */
  List<RecordWaits.Figures> figures(Verdict verdict) {
    List<RecordWaits.Figures> figures = new ArrayList<>();
    for (int i = 0; i < faults.size(); i++) {
      long since = i == 0 ? Long.MIN_VALUE : faults.get(i - 1).atMs();
      long until = i + 1 < faults.size() ? faults.get(i + 1).atMs() : Long.MAX_VALUE;
      Fault fault = faults.get(i);
      figures.add(verdict.waits().of(fault.what(), since, fault.atMs(), until));
    }
    return figures;
  }

  void restart(ClassifierInstance instance) {
    instance.start();
    event("restarted " + instance);
  }

  void event(String what) {
    String line = String.format("%6.1f s  %s%s", (System.nanoTime() - started) / 1e9, what,
        load == null ? "" : " (" + load.sent() + " records sent)");
    events.add(line);
  }

  /** Stops the scanners and checks every output; the instances keep running. */
  Verdict stopLoadAndVerify(Duration timeout) throws InterruptedException {
    Map<String, ScannerLoad.Sent> sent = load.stop();
    event("load stopped");
    for (ClassifierInstance instance : instances) {
      if (!instance.isAlive()) {
        event(instance + " is not running (exit " + instance.exitValue() + ")");
      }
    }
    Verdict verdict = new ExactlyOnceVerifier(settings.bootstrap(), serdeConfig(), topics, applicationId,
        settings.partitions()).verify(sent, timeout, Duration.ofSeconds(3));
    event("verified");
    return verdict;
  }

  /** The group's members with at least one partition assigned. */
  int membersWithPartitions() {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", settings.bootstrap()))) {
      ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId))
          .describedGroups().get(applicationId).get();
      return (int) group.members().stream()
          .filter(member -> member.assignment().topicPartitions().stream()
              .anyMatch(p -> p.topic().equals(topics.input())))
          .count();
    } catch (ExecutionException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** The events and the verdict, as printed at the end of a run. */
  String report(Verdict verdict) {
    StringBuilder text = new StringBuilder();
    text.append("fault run ").append(applicationId).append(" (").append(instances.size()).append(" instances, ")
        .append(settings.partitions()).append(" partitions, logs in ").append(directory).append(")\n");
    events.forEach(line -> text.append("  ").append(line).append('\n'));
    text.append(verdict.summary());
    figures(verdict).forEach(figure -> text.append("fault         ").append(figure.line()).append('\n'));
    return text.toString();
  }

  private static String tail(String log) {
    String[] lines = log.split("\n");
    return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 30), lines.length));
  }

  /** Kills every instance still running and stops the scanners. */
  @Override
  public void close() {
    if (load != null) {
      load.close();
    }
    instances.forEach(ClassifierInstance::destroy);
  }
}
