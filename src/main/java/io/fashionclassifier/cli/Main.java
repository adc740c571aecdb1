package io.fashionclassifier.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
      DemoCommand.class,
      StackCommand.class,
      ScanCommand.class,
      WatchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Set in the child JVM so that it does not launch yet another one. */
  static final String REEXEC_MARKER = "FASHION_CLASSIFIER_CHILD";
  /** Users who manage the environment themselves (container image, Helm chart) set this to skip the re-launch. */
  static final String NO_REEXEC = "FASHION_CLASSIFIER_NO_REEXEC";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: try --help");
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(new CliErrors());
    return cli;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> missing = MxnetEnvironment.missingSettings(System.getenv());
    if (!missing.isEmpty()
        && System.getenv(REEXEC_MARKER) == null
        && System.getenv(NO_REEXEC) == null) {
      System.exit(relaunch(args, missing));
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * MXNet and glibc read their thread and allocator settings only when the process starts, and they make a
   * 2-4x difference (README: Performance settings; docs/training.md), so a plain {@code java -jar} re-runs itself once in a child JVM
   * with those settings added to the environment.
   */
  private static int relaunch(String[] args, Map<String, String> settings)
      throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    builder.environment().putAll(settings);
    builder.environment().put(REEXEC_MARKER, "1");
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
    int exit = child.waitFor();
    try {
      Runtime.getRuntime().removeShutdownHook(stopChild);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running and waits for the child
    }
    return exit;
  }
}
