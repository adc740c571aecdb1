package io.fashionclassifier.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until its issue lands. */
@Command(name = "stack", description = "(not implemented yet)")
final class StackCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("'stack' is not implemented yet");
  }
}
