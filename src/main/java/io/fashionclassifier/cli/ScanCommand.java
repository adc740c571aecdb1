package io.fashionclassifier.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until its issue lands. */
@Command(name = "scan", description = "(not implemented yet)")
final class ScanCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("'scan' is not implemented yet");
  }
}
