package io.fashionclassifier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker (KRaft, broker and controller in one process) run from the Kafka jars on this JVM's class
 * path, for tests, the demo and a local stack. No Docker and no download.
 *
 * <p>{@link #start()} formats a fresh storage directory in a temporary folder, launches
 * {@code java -cp <java.class.path> kafka.Kafka server.properties} as a child JVM listening on free loopback
 * ports and returns once an {@link Admin} client sees the node. Settings are those of a one-node cluster:
 * replication factor 1 for the internal topics (offsets, transactions, share state), min ISR 1, no initial
 * rebalance delay, so that transactions (exactly-once) and consumer groups work at once. {@link KafkaCluster}
 * runs several of them as one cluster.
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start()) {
 *   props.put("bootstrap.servers", broker.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>{@link #start(SaslSsl)} adds a SASL_SSL listener (SCRAM-SHA-512 over TLS) next to the PLAINTEXT one, with
 * the user created when the storage is formatted. {@link #stop()} and {@link #kill()} end the process but keep its
 * data directory, and {@link #restart()} starts it again on the same directory and ports (broker restarts).
 *
 * <p>Starting takes a few seconds; tests share one broker per JVM through {@link #shared()}. {@link #close()}
 * asks the broker to stop (SIGTERM, controlled shutdown), kills it if it has not stopped within 15 s, and deletes
 * its directory. Its log goes to {@link #logFile()}.
 */
public final class KafkaBroker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static KafkaBroker shared;

  /**
   * A SASL_SSL listener: SCRAM-SHA-512 over TLS with the broker's key and certificate from {@code keystore}
   * (PKCS12), and one SCRAM user.
   */
  public record SaslSsl(Path keystore, String keystorePassword, String user, String password) {}

  private final Path directory;
  private final Path config;
  private final int nodeId;
  private final String bootstrapServers;
  private final String securedBootstrapServers;
  private final int expectedNodes;
  private volatile Process process;

  private KafkaBroker(Path directory, int nodeId, String bootstrapServers, String securedBootstrapServers,
      int expectedNodes) {
    this.directory = directory;
    this.config = directory.resolve("server.properties");
    this.nodeId = nodeId;
    this.bootstrapServers = bootstrapServers;
    this.securedBootstrapServers = securedBootstrapServers;
    this.expectedNodes = expectedNodes;
  }

  /** Starts a broker with the default single-node settings. */
  public static KafkaBroker start() {
    return start(Map.of());
  }

  /**
   * Starts a broker whose {@code server.properties} are the single-node defaults overridden by {@code overrides}
   * (e.g. {@code num.partitions}, {@code auto.create.topics.enable}).
   *
   * @throws IllegalStateException if the broker does not come up; its log file is named in the message
   */
  public static KafkaBroker start(Map<String, String> overrides) {
    return startSingle(overrides, null);
  }

  /** Starts a single-node broker that also listens for SASL_SSL clients ({@link #securedBootstrapServers()}). */
  public static KafkaBroker start(SaslSsl security) {
    return startSingle(Map.of(), security);
  }

  /**
   * The same, with {@code server.properties} overridden by {@code overrides} (e.g.
   * {@code listener.name.sasl_ssl.ssl.client.auth=required} and a truststore for client certificates).
   */
  public static KafkaBroker start(SaslSsl security, Map<String, String> overrides) {
    return startSingle(overrides, security);
  }

  private static KafkaBroker startSingle(Map<String, String> overrides, SaslSsl security) {
    int[] ports = LoopbackPorts.free(3);
    KafkaBroker broker = prepare(1, ports[0], ports[1], security == null ? 0 : ports[2],
        "1@127.0.0.1:" + ports[1], 1, Uuid.randomUuid().toString(), overrides, security);
    try {
      broker.launch();
      broker.awaitReady();
    } catch (RuntimeException e) {
      broker.destroyAndDelete();
      throw e;
    }
    return broker;
  }

  /**
   * Writes the configuration of node {@code nodeId} of a cluster of {@code nodes} combined broker-controllers and
   * formats its storage; {@link #launch()} starts it.
   */
  static KafkaBroker prepare(int nodeId, int brokerPort, int controllerPort, int securedPort, String voters,
      int nodes, String clusterId, Map<String, String> overrides, SaslSsl security) {
    Path directory;
    try {
      directory = Files.createTempDirectory("kafka-broker-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the broker directory", e);
    }
    String bootstrap = "127.0.0.1:" + brokerPort;
    KafkaBroker broker = new KafkaBroker(directory, nodeId, bootstrap,
        security == null ? null : "127.0.0.1:" + securedPort, nodes);
    try {
      Map<String, String> settings = settings(nodeId, directory.resolve("data"), brokerPort, controllerPort,
          voters, nodes);
      if (security != null) {
        settings.putAll(secured(security, securedPort, brokerPort, controllerPort));
      }
      settings.putAll(overrides);
      writeConfig(broker.config, settings);
      format(broker.config, broker.logFile(), clusterId, security);
      return broker;
    } catch (RuntimeException | IOException | InterruptedException e) {
      String tail = tail(broker.logFile());
      deleteQuietly(directory);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("Kafka broker failed to start: " + e.getMessage() + tail, e);
    }
  }

  /**
   * One broker for the whole JVM, started on first use and stopped by a shutdown hook: starting one costs seconds,
   * so test classes share it (each test uses its own topics and application ids).
   */
  public static synchronized KafkaBroker shared() {
    if (shared == null || !shared.isAlive()) {
      KafkaBroker broker = start();
      Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "stop-shared-kafka-broker"));
      shared = broker;
    }
    return shared;
  }

  /** {@code host:port} of the PLAINTEXT listener, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** {@code host:port} of the SASL_SSL listener. */
  public String securedBootstrapServers() {
    if (securedBootstrapServers == null) {
      throw new IllegalStateException("this broker was started without a SASL_SSL listener");
    }
    return securedBootstrapServers;
  }

  /** The node id ({@code node.id}), 1 for a single broker. */
  public int nodeId() {
    return nodeId;
  }

  /** The broker's own log (stdout and stderr of the child JVM, across restarts). */
  public Path logFile() {
    return directory.resolve("broker.log");
  }

  /** Whether the broker process is running. */
  public boolean isAlive() {
    Process current = process;
    return current != null && current.isAlive();
  }

  /** Stops the broker gracefully (SIGTERM: controlled shutdown; a kill after 15 s), keeping its data. */
  public void stop() {
    Process current = process;
    if (current == null || !current.isAlive()) {
      return;
    }
    current.destroy();
    try {
      if (!current.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Kafka broker {} did not stop within {}; killing it", nodeId, STOP_TIMEOUT);
        current.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      current.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Kills the broker (SIGKILL: no controlled shutdown, unflushed log tails recovered on restart), keeping its data. */
  public void kill() {
    Process current = process;
    if (current == null) {
      return;
    }
    try {
      current.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts the stopped or killed broker again on the same data directory and ports, and waits until it serves.
   *
   * @throws IllegalStateException if it is running or does not come back
   */
  public void restart() {
    if (isAlive()) {
      throw new IllegalStateException("Kafka broker " + nodeId + " is running");
    }
    launch();
    awaitReady();
  }

  /** Stops the broker (gracefully, then forcibly after 15 s) and deletes its directory. Idempotent. */
  @Override
  public void close() {
    stop();
    deleteQuietly(directory);
  }

  void destroyAndDelete() {
    Process current = process;
    if (current != null) {
      current.destroyForcibly();
    }
    deleteQuietly(directory);
  }

  /** Starts the broker process without waiting for it. */
  void launch() {
    try {
      process = javaProcess("kafka.Kafka", List.of(config.toString()), logFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot launch the Kafka broker: " + e.getMessage(), e);
    }
  }

  /** Waits until this node's listener is open and an admin client through it sees the whole cluster. */
  void awaitReady() {
    try {
      awaitNodes();
      log.info("Kafka broker {} up at {} (pid {}, dir {})", nodeId, bootstrapServers, process.pid(), directory);
    } catch (RuntimeException e) {
      throw new IllegalStateException("Kafka broker " + nodeId + " failed to start: " + e.getMessage()
          + tail(logFile()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting Kafka broker " + nodeId, e);
    }
  }

  private void awaitNodes() throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    // wait for the listener before creating a client, which would log a warning per refused connection
    String[] hostPort = bootstrapServers.split(":");
    while (!listening(hostPort[0], Integer.parseInt(hostPort[1]))) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the broker process exited with code " + process.exitValue());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the broker did not open its port within " + READY_TIMEOUT);
      }
      Thread.sleep(100);
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
    try (Admin admin = Admin.create(props)) {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException("the broker process exited with code " + process.exitValue());
        }
        try {
          if (admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
              .nodes().get(3, TimeUnit.SECONDS).size() >= expectedNodes) {
            return;
          }
        } catch (Exception notYet) {
          // the listener is not open yet, or the nodes have not registered with the controller
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the broker was not ready within " + READY_TIMEOUT);
        }
        Thread.sleep(200);
      }
    }
  }

  private static Map<String, String> settings(
      int nodeId, Path dataDir, int brokerPort, int controllerPort, String voters, int nodes) {
    String replicas = Integer.toString(nodes);
    // a majority stays writable with one node down, as in production
    String minInsync = Integer.toString(nodes == 1 ? 1 : nodes - 1);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("process.roles", "broker,controller");
    settings.put("node.id", Integer.toString(nodeId));
    settings.put("controller.quorum.voters", voters);
    settings.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    settings.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    settings.put("controller.listener.names", "CONTROLLER");
    settings.put("inter.broker.listener.name", "PLAINTEXT");
    settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    settings.put("log.dirs", dataDir.toString());
    settings.put("num.partitions", "1");
    settings.put("default.replication.factor", replicas);
    settings.put("offsets.topic.replication.factor", replicas);
    settings.put("offsets.topic.num.partitions", "5");
    settings.put("transaction.state.log.replication.factor", replicas);
    settings.put("transaction.state.log.min.isr", minInsync);
    settings.put("transaction.state.log.num.partitions", "5");
    settings.put("share.coordinator.state.topic.replication.factor", replicas);
    settings.put("share.coordinator.state.topic.min.isr", minInsync);
    settings.put("min.insync.replicas", minInsync);
    settings.put("group.initial.rebalance.delay.ms", "0");
    settings.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    return settings;
  }

  private static Map<String, String> secured(SaslSsl security, int securedPort, int brokerPort, int controllerPort) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort
        + ",SASL_SSL://127.0.0.1:" + securedPort);
    settings.put("advertised.listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",SASL_SSL://127.0.0.1:" + securedPort);
    settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL");
    settings.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
    settings.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    settings.put("listener.name.sasl_ssl.ssl.keystore.location", security.keystore().toString());
    settings.put("listener.name.sasl_ssl.ssl.keystore.password", security.keystorePassword());
    settings.put("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
    return settings;
  }

  private static void writeConfig(Path config, Map<String, String> settings) throws IOException {
    StringBuilder text = new StringBuilder("# written by io.fashionclassifier.local.KafkaBroker\n");
    settings.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
    Files.writeString(config, text.toString(), StandardCharsets.UTF_8);
  }

  /**
   * KRaft refuses to start on an unformatted directory; the storage tool writes meta.properties and the quorum,
   * and the SCRAM credentials (they live in the cluster metadata, so they must exist before the first start).
   */
  private static void format(Path config, Path logFile, String clusterId, SaslSsl security)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(
        List.of("format", "-t", clusterId, "-c", config.toString(), "--ignore-formatted"));
    if (security != null) {
      args.add("--add-scram");
      args.add("SCRAM-SHA-512=[name=" + security.user() + ",password=" + security.password() + "]");
    }
    Process formatter = javaProcess("kafka.tools.StorageTool", args, logFile).start();
    if (!formatter.waitFor(60, TimeUnit.SECONDS)) {
      formatter.destroyForcibly();
      throw new IllegalStateException("formatting the broker storage took over 60 s");
    }
    if (formatter.exitValue() != 0) {
      throw new IllegalStateException("formatting the broker storage failed (exit " + formatter.exitValue() + ")");
    }
  }

  private static ProcessBuilder javaProcess(String mainClass, List<String> args, Path logFile) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xms128m");
    command.add("-Xmx768m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Djava.awt.headless=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    // The broker logs through whatever SLF4J binding is on the class path; keep it quiet but useful.
    builder.environment().put("FASHION_KAFKA_LOG_LEVEL", "WARN");
    return builder;
  }

  private static boolean listening(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static String tail(Path logFile) {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> last = lines.subList(Math.max(0, lines.size() - 20), lines.size());
      return last.isEmpty() ? "" : "\n--- last lines of " + logFile + " ---\n" + String.join("\n", last);
    } catch (IOException e) {
      return "";
    }
  }

  private static void deleteQuietly(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", directory, e.toString());
    }
  }
}
