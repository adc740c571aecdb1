package io.fashionclassifier.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code fashion-classifier.jar}: one subcommand per job. */
@Command(
    name = "fashion-classifier",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Recognises clothing in warehouse scanner images: trains the model and classifies Kafka streams.",
    subcommands = {
      TrainCommand.class,
      EvaluateCommand.class,
      PredictCommand.class,
      StreamCommand.class,
      ModelCommand.class,
      DemoCommand.class,
      StackCommand.class,
      ScanCommand.class,
      WatchCommand.class,
      ReviewCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Set in the child JVM so that it does not launch yet another one. */
  static final String REEXEC_MARKER = "FASHION_CLASSIFIER_CHILD";
  /** Users who manage the environment themselves (container image, Helm chart) set this to skip the re-launch. */
  static final String NO_REEXEC = "FASHION_CLASSIFIER_NO_REEXEC";
  /**
   * The arguments, handed to the child JVM in its environment rather than on its command line: a command line is
   * world-readable in /proc, an environment only to the process's own user, and {@code -D} options may hold
   * secrets.
   */
  static final String ARGS_VARIABLE = "FASHION_CLASSIFIER_ARGS";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: try --help");
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(new CliErrors());
    cli.setResourceBundle(new SettingsHelp());
    return cli;
  }

  /** The environment variable that picks the log format, and its values (the appenders of logback.xml). */
  static final String LOG_FORMAT = "FASHION_LOG_FORMAT";
  static final List<String> LOG_FORMATS = List.of("text", "json");

  public static void main(String[] args) throws Exception {
    String logFormat = System.getenv(LOG_FORMAT);
    if (logFormat != null && !LOG_FORMATS.contains(logFormat)) {
      // the logging configuration names its appenders after the formats: another value would silence every log
      System.err.println(LOG_FORMAT + " must be one of " + String.join(", ", LOG_FORMATS) + ", not '" + logFormat
          + "': unset it for text logs");
      System.exit(CommandLine.ExitCode.USAGE);
    }
    Map<String, String> missing =
        MxnetEnvironment.missingSettings(System.getenv(), args.length == 0 ? null : args[0]);
    if (!missing.isEmpty()
        && System.getenv(REEXEC_MARKER) == null
        && System.getenv(NO_REEXEC) == null) {
      System.exit(relaunch(args, missing));
    }
    String handedDown = System.getenv(REEXEC_MARKER) == null ? null : System.getenv(ARGS_VARIABLE);
    System.exit(commandLine().execute(handedDown == null ? args : decodeArgs(handedDown)));
  }

  static String encodeArgs(String[] args) {
    // the count first: no arguments and one empty argument would otherwise both be ""
    StringJoiner joined = new StringJoiner(",", args.length + ":", "");
    for (String arg : args) {
      joined.add(Base64.getEncoder().encodeToString(arg.getBytes(StandardCharsets.UTF_8)));
    }
    return joined.toString();
  }

  static String[] decodeArgs(String encoded) {
    int colon = encoded.indexOf(':');
    if (Integer.parseInt(encoded.substring(0, colon)) == 0) {
      return new String[0];
    }
    return Arrays.stream(encoded.substring(colon + 1).split(",", -1))
        .map(arg -> new String(Base64.getDecoder().decode(arg), StandardCharsets.UTF_8))
        .toArray(String[]::new);
  }

  /** The child JVM's command line: this JVM's, without the arguments (see {@link #ARGS_VARIABLE}). */
  static List<String> childCommand() {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    return command;
  }

  /**
   * MXNet and glibc read their thread and allocator settings only when the process starts, and they make a
   * 2-4x difference (README: Performance settings; docs/training.md), so a plain {@code java -jar} re-runs itself once in a child JVM
   * with those settings added to the environment.
   */
  private static int relaunch(String[] args, Map<String, String> settings)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(childCommand()).inheritIO();
    builder.environment().putAll(settings);
    builder.environment().put(REEXEC_MARKER, "1");
    builder.environment().put(ARGS_VARIABLE, encodeArgs(args));
    Process child = builder.start();
    // Ctrl-C reaches both JVMs; SIGTERM (docker stop, kill) only this one, so pass it on and wait.
    Thread stopChild =
        new Thread(
            () -> {
              child.destroy();
              try {
                child.waitFor();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "stop-child-jvm");
    Runtime.getRuntime().addShutdownHook(stopChild);
    // a requested stop is the child's to carry out and to report in its exit code: SIGTERM is passed on, and
    // Ctrl-C already reached the child through the terminal's process group
    TerminationSignals.onStop(() -> {});
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> child.destroy());
    int exit = child.waitFor();
    try {
      Runtime.getRuntime().removeShutdownHook(stopChild);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running and waits for the child
    }
    return exit;
  }
}
