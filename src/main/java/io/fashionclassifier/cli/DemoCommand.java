package io.fashionclassifier.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until its issue lands. */
@Command(name = "demo", description = "(not implemented yet)")
final class DemoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("'demo' is not implemented yet");
  }
}
