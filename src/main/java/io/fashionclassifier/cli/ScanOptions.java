package io.fashionclassifier.cli;

import io.fashionclassifier.scanner.ScannerSimulator;
import picocli.CommandLine.Option;

/** How the simulated scanners send, shared by `scan` and `demo`. */
final class ScanOptions {

  @Option(names = {"-n", "--count"}, defaultValue = "10000",
      description = "Records to send; the images are replayed when fewer (default ${DEFAULT-VALUE}).")
  long count;

  @Option(names = "--rate", defaultValue = "300",
      description = "Records per second, 0 for as fast as possible (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--scanners", defaultValue = "8", description = "Number of scanners (default ${DEFAULT-VALUE}).")
  int scanners;

  @Option(names = "--warehouses", defaultValue = "2", description = "Number of warehouses (default ${DEFAULT-VALUE}).")
  int warehouses;

  @Option(names = "--labelled", defaultValue = "1.0",
      description = "Fraction of records that carry their true label (default ${DEFAULT-VALUE}).")
  double labelled;

  @Option(names = "--broken", paramLabel = "FRACTION",
      description = "Fraction of records broken on purpose (not Avro, unknown schema id, truncated, wrong size) to "
          + "exercise the dead-letter topic (default 0 for scan, 0.005 for demo).")
  Double broken;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed; item ids derive from it (default ${DEFAULT-VALUE}).")
  long seed;

  ScannerSimulator.Options toOptions(String topic, double defaultBroken) {
    try {
      return new ScannerSimulator.Options(topic, count, rate, scanners, warehouses, labelled,
          broken == null ? defaultBroken : broken, seed);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
  }
}
