package io.fashionclassifier.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until its issue lands. */
@Command(name = "stream", description = "(not implemented yet)")
final class StreamCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("'stream' is not implemented yet");
  }
}
