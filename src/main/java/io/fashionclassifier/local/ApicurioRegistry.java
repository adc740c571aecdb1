package io.fashionclassifier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry 3 (the build unpacks version 3.3.3 into {@code target/apicurio}) run as a child process,
 * serving the Confluent Schema Registry API at {@link #confluentUrl()}, for tests, the demo and a local stack. No
 * Docker and no download.
 *
 * <pre>{@code
 * try (ApicurioRegistry registry = ApicurioRegistry.start()) {
 *   props.put("schema.registry.url", registry.confluentUrl()); // http://127.0.0.1:<port>/apis/ccompat/v7
 *   ...
 * }
 * }</pre>
 *
 * <p>{@link #start()} launches {@code java -jar quarkus-run.jar} with a Java 21+ runtime on two free loopback
 * ports (API and management), file storage in its directory and the global compatibility rule BACKWARD (as a
 * Confluent registry's default), and returns once {@code /health/ready} on the management port answers 200. Starting
 * takes about 10-15 s on a busy 2-core machine ({@link #startupTime()}), so tests share one instance per JVM through
 * {@link #shared()}, which a shutdown hook stops; use subjects of your own (e.g. with a random suffix) since the
 * shared registry keeps what earlier tests registered. Test classes may also use the JUnit 5 extension
 * {@code io.fashionclassifier.local.ApicurioRegistryExtension} (test sources), which injects the shared instance.
 *
 * <p>Where things are found:
 * <ul>
 *   <li>the registry: {@code quarkus-run.jar} under the system property {@value #APICURIO_DIR_PROPERTY}
 *       (default {@code target/apicurio});</li>
 *   <li>the Java runtime: the system property {@value #JAVA_HOME_PROPERTY}, else the environment variable
 *       {@value #JAVA_HOME_ENV}, else this JVM if it is 21 or newer, else {@code /usr/lib/jvm/temurin-25*} or
 *       {@code temurin-21*}.</li>
 * </ul>
 *
 * <p>Its storage is an H2 database file in its temporary directory, so {@link #stop()} and {@link #restart()} (same
 * ports, same storage) model a registry outage: clients find the schemas and ids registered before.
 * {@link #close()} sends SIGTERM, waits up to 10 s, then kills the process, so neither process nor port is left
 * behind, and deletes the registry's temporary directory with its log ({@link #logFile()}). When the registry
 * fails to start, the directory is kept and the exception quotes the end of the log.
 */
public final class ApicurioRegistry implements AutoCloseable {

  /** System property naming the directory the Apicurio distribution was unpacked into. */
  public static final String APICURIO_DIR_PROPERTY = "fashion.apicurio.dir";
  /** System property naming the home of a Java 21+ runtime for the registry. */
  public static final String JAVA_HOME_PROPERTY = "fashion.registry.java.home";
  /** Environment variable naming the home of a Java 21+ runtime for the registry. */
  public static final String JAVA_HOME_ENV = "REGISTRY_JAVA_HOME";

  private static final Logger log = LoggerFactory.getLogger(ApicurioRegistry.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final int START_ATTEMPTS = 3;
  private static ApicurioRegistry shared;

  private final Path java;
  private final Path jar;
  private final Path directory;
  private final int port;
  private final int managementPort;
  private final Thread shutdownHook;
  private volatile Process process;
  private volatile Path logFile;
  private volatile Duration startupTime;
  private int launches = 1;

  private ApicurioRegistry(Path java, Path jar, Process process, Path directory, int port, int managementPort,
      Path logFile, Duration startupTime) {
    this.java = java;
    this.jar = jar;
    this.process = process;
    this.directory = directory;
    this.port = port;
    this.managementPort = managementPort;
    this.logFile = logFile;
    this.startupTime = startupTime;
    this.shutdownHook = new Thread(this::stopAndDelete, "stop-apicurio-registry-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a registry and waits until it is ready.
   *
   * @throws IllegalStateException if no registry or Java 21+ runtime is found, or the registry does not become
   *     ready; the message says what to fix or quotes the end of the registry's log
   */
  public static ApicurioRegistry start() {
    Path jar = quarkusRunJar();
    Path java = javaExecutable();
    Path directory;
    try {
      directory = Files.createTempDirectory("apicurio-registry-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the registry's directory", e);
    }
    for (int attempt = 1; ; attempt++) {
      Path logFile = directory.resolve("registry-" + attempt + ".log");
      try {
        return launch(java, jar, directory, logFile);
      } catch (PortTakenException e) {
        // Another process grabbed a port between our probe and the registry's bind: pick new ones.
        if (attempt == START_ATTEMPTS) {
          throw new IllegalStateException("Apicurio Registry could not bind free ports " + START_ATTEMPTS
              + " times; see " + logFile, e);
        }
        log.warn("Apicurio Registry found a port taken, retrying with other ports");
      }
    }
  }

  /** One registry for the whole JVM, started on first use and stopped by a shutdown hook. */
  public static synchronized ApicurioRegistry shared() {
    if (shared == null || !shared.process.isAlive()) {
      shared = start();
    }
    return shared;
  }

  /** Base URL of the Confluent-compatible API, the value for {@code schema.registry.url}. */
  public String confluentUrl() {
    return baseUrl() + "/apis/ccompat/v7";
  }

  /** Base URL of the registry's HTTP server ({@code /apis/registry/v3} is Apicurio's own API). */
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Port of the API. */
  public int port() {
    return port;
  }

  /** Port of the management endpoints ({@code /health/ready}, {@code /metrics}). */
  public int managementPort() {
    return managementPort;
  }

  /** The registry's stdout and stderr. */
  public Path logFile() {
    return logFile;
  }

  /** From launching the process to {@code /health/ready} answering 200. */
  public Duration startupTime() {
    return startupTime;
  }

  /** Process id of the registry. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Stops the registry (SIGTERM, then a kill after a grace period) and keeps its directory: its storage (an H2
   * database file there) survives for {@link #restart()}, as a registry with a persistent database does.
   */
  public void stop() {
    stopProcess();
  }

  /**
   * Starts the stopped registry again on the same ports and storage, so clients configured with its URL reach it
   * again and find the schemas (and ids) registered before.
   *
   * @throws IllegalStateException if it is running or does not become ready
   */
  public synchronized void restart() {
    if (process.isAlive()) {
      throw new IllegalStateException("Apicurio Registry is running");
    }
    launches++;
    Path next = directory.resolve("registry-restart-" + launches + ".log");
    long started = System.nanoTime();
    process = spawn(java, jar, directory, next, port, managementPort);
    logFile = next;
    try {
      awaitReady(process, managementPort, next);
    } catch (RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
    startupTime = Duration.ofNanos(System.nanoTime() - started);
    log.info("Apicurio Registry restarted at {} in {} ms (pid {})", confluentUrl(), startupTime.toMillis(),
        process.pid());
  }

  /** Stops the registry (SIGTERM, then a kill after a grace period) and deletes its directory. Idempotent. */
  @Override
  public void close() {
    stopAndDelete();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running or has run.
    }
    synchronized (ApicurioRegistry.class) {
      if (shared == this) {
        shared = null;
      }
    }
  }

  private void stopAndDelete() {
    stopProcess();
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.debug("Could not delete {}: {}", directory, e.toString());
    }
  }

  private void stopProcess() {
    Process process = this.process;
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Apicurio Registry (pid {}) did not stop within {} s, killing it", process.pid(),
            STOP_GRACE.toSeconds());
        process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  private static ApicurioRegistry launch(Path java, Path jar, Path directory, Path logFile) {
    int[] ports = LoopbackPorts.free(2);
    int port = ports[0];
    int managementPort = ports[1];
    long started = System.nanoTime();
    Process process = spawn(java, jar, directory, logFile, port, managementPort);
    try {
      awaitReady(process, managementPort, logFile);
    } catch (RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
    Duration startupTime = Duration.ofNanos(System.nanoTime() - started);
    ApicurioRegistry registry =
        new ApicurioRegistry(java, jar, process, directory, port, managementPort, logFile, startupTime);
    log.info("Apicurio Registry ready at {} in {} ms (pid {}, log {})", registry.confluentUrl(),
        startupTime.toMillis(), process.pid(), logFile);
    return registry;
  }

  private static Process spawn(Path java, Path jar, Path directory, Path logFile, int port, int managementPort) {
    List<String> command = new ArrayList<>(List.of(java.toString(),
        // Small and quick to start: the registry holds a few schemas and serves a handful of requests.
        "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Djava.io.tmpdir=" + directory,
        "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
        "-Dquarkus.management.host=127.0.0.1", "-Dquarkus.management.port=" + managementPort,
        "-Dquarkus.console.color=false",
        "-Dapicurio.storage.kind=sql", "-Dapicurio.storage.sql.kind=h2",
        // a file, not memory: schemas and their ids survive stop() and restart()
        "-Dapicurio.datasource.url=jdbc:h2:file:" + directory.resolve("registry-db"),
        "-Dapicurio.rules.global.compatibility=BACKWARD",
        "-jar", jar.toString()));
    try {
      return new ProcessBuilder(command)
          .directory(directory.toFile())
          .redirectErrorStream(true)
          .redirectOutput(logFile.toFile())
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot launch " + java + ": " + e.getMessage(), e);
    }
  }

  private static void awaitReady(Process process, int managementPort, Path logFile) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health/ready"))
        .timeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String tail = tail(logFile);
        if (tail.contains("in use") || tail.contains("Address already in use")) {
          throw new PortTakenException();
        }
        throw new IllegalStateException("Apicurio Registry exited with status " + process.exitValue()
            + " before becoming ready; end of " + logFile + ":" + tail);
      }
      try {
        if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for Apicurio Registry", e);
      }
      sleep(250);
    }
    throw new IllegalStateException("Apicurio Registry not ready after " + READY_TIMEOUT.toSeconds() + " s; end of "
        + logFile + ":" + tail(logFile));
  }

  static Path quarkusRunJar() {
    Path directory = Path.of(System.getProperty(APICURIO_DIR_PROPERTY, "target/apicurio"));
    if (Files.isDirectory(directory)) {
      try (Stream<Path> files = Files.walk(directory, 3)) {
        Optional<Path> jar = files.filter(p -> p.getFileName().toString().equals("quarkus-run.jar"))
            .min(Comparator.comparingInt(Path::getNameCount));
        if (jar.isPresent()) {
          return jar.get().toAbsolutePath();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot search " + directory, e);
      }
    }
    throw new IllegalStateException("Apicurio Registry not found: no quarkus-run.jar under " + directory.toAbsolutePath()
        + "; run `./mvnw generate-test-resources` (it unpacks io.apicurio:apicurio-registry-app:3.3.3) or set -D"
        + APICURIO_DIR_PROPERTY + "=<unpacked dir>");
  }

  static Path javaExecutable() {
    List<String> tried = new ArrayList<>();
    String configured = System.getProperty(JAVA_HOME_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(JAVA_HOME_ENV);
    }
    if (configured != null && !configured.isBlank()) {
      Path java = Path.of(configured, "bin", "java");
      if (Files.isExecutable(java)) {
        return java;
      }
      tried.add(java.toString());
    }
    if (Runtime.version().feature() >= 21) {
      return Path.of(System.getProperty("java.home"), "bin", "java");
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      for (String prefix : List.of("temurin-25", "temurin-21", "java-25-openjdk", "java-21-openjdk")) {
        try (Stream<Path> homes = Files.list(jvms)) {
          Optional<Path> java = homes.filter(h -> h.getFileName().toString().startsWith(prefix))
              .map(h -> h.resolve("bin/java")).filter(Files::isExecutable).sorted().findFirst();
          if (java.isPresent()) {
            return java.get();
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    throw new IllegalStateException("Apicurio Registry needs Java 21 or newer and none was found" + (tried.isEmpty()
        ? "" : " (not executable: " + tried + ")") + "; set -D" + JAVA_HOME_PROPERTY + "=<JDK home> or "
        + JAVA_HOME_ENV + "=<JDK home>");
  }

  private static String tail(Path logFile) {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return " (no log: " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for Apicurio Registry", e);
    }
  }

  /** The registry exited because one of its ports was taken. */
  private static final class PortTakenException extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }
}
