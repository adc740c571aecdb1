package io.fashionclassifier.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One classifier instance: the real {@code stream} command ({@code io.fashionclassifier.cli.Main stream}) in a
 * child JVM, as a pod runs it, with its output in a log file. Faults are signals: {@link #kill()} is SIGKILL (a
 * crashed or OOM-killed pod), {@link #terminate()} is SIGTERM (Kubernetes stopping a pod).
 */
final class ClassifierInstance {

  private final String name;
  private final List<String> command;
  private final Map<String, String> environment;
  private final Path log;
  private Process process;
  private long startedAt;

  private ClassifierInstance(String name, List<String> command, Map<String, String> environment, Path log) {
    this.name = name;
    this.command = command;
    this.environment = environment;
    this.log = log;
  }

  /**
   * Launches {@code stream} with {@code arguments} (options and {@code -D key=value} settings) and
   * {@code environment} added to this JVM's environment; returns at once.
   */
  static ClassifierInstance launch(String name, List<String> arguments, Map<String, String> environment, Path log) {
    return launch(name, List.of("io.fashionclassifier.cli.Main", "stream"), arguments, environment, log);
  }

  /** The same, with another main class (and its leading arguments) in place of {@code Main stream}. */
  static ClassifierInstance launch(
      String name, List<String> main, List<String> arguments, Map<String, String> environment, Path log) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // C1 only: the instances start (and JIT) much faster on a busy 2-core machine; MXNet does the heavy work
        "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dai.djl.offline=true",
        "-cp", System.getProperty("java.class.path")));
    // by name: nothing outside cli may depend on it
    command.addAll(main);
    command.addAll(arguments);
    ClassifierInstance instance = new ClassifierInstance(name, List.copyOf(command), Map.copyOf(environment), log);
    instance.start();
    return instance;
  }

  /** Starts the same command again (a pod restart), appending to the same log. */
  void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is running");
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("FASHION_CLASSIFIER_NO_REEXEC", "1");
    // several instances share two cores; one MXNet thread each keeps them from fighting over them
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().putAll(environment);
    try {
      appendLog("=== start " + name + "\n");
      startedAt = log.toFile().length();
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  String name() {
    return name;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no commit; whatever transaction is open stays open until it is fenced. */
  void kill() {
    try {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM: the command's shutdown hook commits and closes Kafka Streams. */
  void terminate() {
    process.destroy();
  }

  /** Waits up to {@code timeout} for the process to end; whether it did. */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  int exitValue() {
    return process.exitValue();
  }

  /** Whether Kafka Streams in the current run of the process has reached RUNNING at least once. */
  boolean hasRun() {
    return currentRunLog().contains("-> RUNNING");
  }

  /** The log of the current run (since the last start). */
  String currentRunLog() {
    String all = logText();
    return all.length() < startedAt ? all : all.substring((int) Math.min(startedAt, all.length()));
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  Path log() {
    return log;
  }

  private void appendLog(String line) throws IOException {
    Files.writeString(log, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** Ends the process whatever its state (test cleanup). */
  void destroy() {
    if (process != null && process.isAlive()) {
      kill();
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
