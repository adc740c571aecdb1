package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.DatasetException;
import io.fashionclassifier.dataset.FashionMnist;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where Fashion-MNIST is, for every command that reads it (train, evaluate, scan, demo, bench, model acceptance). */
final class DatasetOption {

  @Option(names = "--data", paramLabel = "DIR",
      description = "Fashion-MNIST directory (default: $" + FashionMnist.DIRECTORY_ENV + ", then "
          + "/usr/share/datasets/fashion-mnist, then a download cache).")
  Path directory;

  /** The data set, or a {@link UserError} saying why it cannot be read. */
  FashionMnist load() {
    try {
      return FashionMnist.load(directory);
    } catch (DatasetException e) {
      throw new UserError(e.getMessage(), e);
    }
  }
}
