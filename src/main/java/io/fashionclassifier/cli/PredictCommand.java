package io.fashionclassifier.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until its issue lands. */
@Command(name = "predict", description = "(not implemented yet)")
final class PredictCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("'predict' is not implemented yet");
  }
}
