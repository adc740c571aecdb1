package io.fashionclassifier.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until its issue lands. */
@Command(name = "train", description = "(not implemented yet)")
final class TrainCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("'train' is not implemented yet");
  }
}
