package io.fashionclassifier.cli;

import io.fashionclassifier.local.LocalStack;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A broker and a schema registry that stay up until Ctrl-C: docker compose for machines without Docker. */
@Command(name = "stack", header = "Run a local Kafka broker and schema registry until Ctrl-C.", mixinStandardHelpOptions = true,
    description = "Run a local Kafka broker (KRaft) and schema registry until Ctrl-C, printing where they listen.")
final class StackCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--no-registry", description = "Start only the broker.")
  boolean noRegistry;

  @Override
  public Integer call() throws InterruptedException {
    LocalBroker.require("stack");
    PrintWriter out = spec.commandLine().getOut();
    try (StopSignal stop = StopSignal.install("stack");
        LocalStack stack = start()) {
      out.println("bootstrap servers:   " + stack.bootstrapServers());
      out.println("schema registry:     " + stack.registryUrl().orElse("none (" + stack.registryNote() + ")"));
      out.println();
      out.println("export FASHION_BOOTSTRAP_SERVERS=" + stack.bootstrapServers());
      stack.registryUrl().ifPresent(url -> out.println("export FASHION_SCHEMA_REGISTRY_URL=" + url));
      out.println();
      out.println("running; Ctrl-C stops both");
      out.flush();
      stop.await();
      out.println("stopping");
      out.flush();
    }
    return 0;
  }

  private LocalStack start() {
    try {
      return LocalStack.start(!noRegistry);
    } catch (RuntimeException e) {
      throw new UserError("the local stack did not start: " + e.getMessage(), e);
    }
  }
}
