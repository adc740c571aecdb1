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
 * A real single-node Kafka broker (KRaft, broker and controller in one process) run from the Kafka jars on this
 * JVM's class path, for tests, the demo and a local stack. No Docker and no download.
 *
 * <p>{@link #start()} formats a fresh storage directory in a temporary folder, launches
 * {@code java -cp <java.class.path> kafka.Kafka server.properties} as a child JVM listening on free loopback
 * ports and returns once an {@link Admin} client sees the node. Settings are those of a one-node cluster:
 * replication factor 1 for the internal topics (offsets, transactions, share state), min ISR 1, no initial
 * rebalance delay, so that transactions (exactly-once) and consumer groups work at once.
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start()) {
 *   props.put("bootstrap.servers", broker.bootstrapServers());
 *   ...
 * }
 * }</pre>
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

  private final Path directory;
  private final Process process;
  private final String bootstrapServers;

  private KafkaBroker(Path directory, Process process, String bootstrapServers) {
    this.directory = directory;
    this.process = process;
    this.bootstrapServers = bootstrapServers;
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
    Path directory;
    try {
      directory = Files.createTempDirectory("kafka-broker-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the broker directory", e);
    }
    Process process = null;
    try {
      int[] ports = LoopbackPorts.free(2);
      int brokerPort = ports[0];
      int controllerPort = ports[1];
      Path config = directory.resolve("server.properties");
      writeConfig(config, directory.resolve("data"), brokerPort, controllerPort, overrides);
      Path logFile = directory.resolve("broker.log");
      format(config, logFile);
      process = javaProcess("kafka.Kafka", List.of(config.toString()), logFile).start();
      String bootstrap = "127.0.0.1:" + brokerPort;
      KafkaBroker broker = new KafkaBroker(directory, process, bootstrap);
      broker.awaitReady();
      log.info("Kafka broker up at {} (pid {}, dir {})", bootstrap, process.pid(), directory);
      return broker;
    } catch (RuntimeException | IOException | InterruptedException e) {
      if (process != null) {
        process.destroyForcibly();
      }
      String tail = tail(directory.resolve("broker.log"));
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
    if (shared == null || !shared.process.isAlive()) {
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

  /** The broker's own log (stdout and stderr of the child JVM). */
  public Path logFile() {
    return directory.resolve("broker.log");
  }

  /** Whether the broker process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stops the broker (gracefully, then forcibly after 15 s) and deletes its directory. Idempotent. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("Kafka broker did not stop within {}; killing it", STOP_TIMEOUT);
          process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    deleteQuietly(directory);
  }

  private void awaitReady() throws InterruptedException {
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
          if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
              .nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception notYet) {
          // the listener is not open yet, or the node has not registered with the controller
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the broker was not ready within " + READY_TIMEOUT);
        }
        Thread.sleep(200);
      }
    }
  }

  private static void writeConfig(
      Path config, Path dataDir, int brokerPort, int controllerPort, Map<String, String> overrides)
      throws IOException {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("process.roles", "broker,controller");
    settings.put("node.id", "1");
    settings.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    settings.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    settings.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    settings.put("controller.listener.names", "CONTROLLER");
    settings.put("inter.broker.listener.name", "PLAINTEXT");
    settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    settings.put("log.dirs", dataDir.toString());
    settings.put("num.partitions", "1");
    settings.put("offsets.topic.replication.factor", "1");
    settings.put("offsets.topic.num.partitions", "5");
    settings.put("transaction.state.log.replication.factor", "1");
    settings.put("transaction.state.log.min.isr", "1");
    settings.put("transaction.state.log.num.partitions", "5");
    settings.put("share.coordinator.state.topic.replication.factor", "1");
    settings.put("share.coordinator.state.topic.min.isr", "1");
    settings.put("min.insync.replicas", "1");
    settings.put("group.initial.rebalance.delay.ms", "0");
    settings.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    settings.putAll(overrides);
    StringBuilder text = new StringBuilder("# written by io.fashionclassifier.local.KafkaBroker\n");
    settings.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
    Files.writeString(config, text.toString(), StandardCharsets.UTF_8);
  }

  /** KRaft refuses to start on an unformatted directory; the storage tool writes meta.properties and the quorum. */
  private static void format(Path config, Path logFile) throws IOException, InterruptedException {
    String clusterId = Uuid.randomUuid().toString();
    Process formatter =
        javaProcess(
                "kafka.tools.StorageTool",
                List.of("format", "-t", clusterId, "-c", config.toString(), "--ignore-formatted"),
                logFile)
            .start();
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

  private static String tail(Path logFile) {
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
