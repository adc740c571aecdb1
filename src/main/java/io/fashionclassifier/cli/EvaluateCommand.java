package io.fashionclassifier.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until its issue lands. */
@Command(name = "evaluate", description = "(not implemented yet)")
final class EvaluateCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("'evaluate' is not implemented yet");
  }
}
