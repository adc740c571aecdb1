package io.fashionclassifier.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until its issue lands. */
@Command(name = "watch", description = "(not implemented yet)")
final class WatchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("'watch' is not implemented yet");
  }
}
