package io.fashionclassifier.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model bundle a command works with, required (evaluate, predict). */
final class BundleOption {

  @Option(names = "--model", required = true, paramLabel = "DIR",
      description = "Model bundle directory (written by train).")
  Path directory;
}
