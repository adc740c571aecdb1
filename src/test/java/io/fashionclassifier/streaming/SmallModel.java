package io.fashionclassifier.streaming;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.training.BundleTrainer;
import io.fashionclassifier.training.TrainingConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/** A real model bundle, trained once per test JVM in seconds (MLP, one epoch on 5,000 images, ~80% accurate). */
public final class SmallModel {

  private static Path bundle;
  private static Path other;
  private static Path wholeSplit;
  private static FashionMnist data;

  private SmallModel() {}

  public static synchronized FashionMnist data() {
    if (data == null) {
      data = FashionMnist.load(null);
    }
    return data;
  }

  public static synchronized Path bundle() {
    if (bundle == null) {
      bundle = train(TrainingConfig.defaults(Architecture.MLP).seed(), 5_000);
    }
    return bundle;
  }

  /**
   * Another small bundle, trained from another seed on fewer images: other weights, another version, other
   * verdicts.
   */
  public static synchronized Path other() {
    if (other == null) {
      other = train(7, 2_000);
    }
    return other;
  }

  /**
   * A bundle trained for one epoch on all 55,000 training images (seconds, ~84% accurate): its validation split is
   * as large a share of the data as the trainer's default, so its calibration holds on the test split, which the
   * 5,000-image bundle's does not as well (docs/model-health.md).
   */
  public static synchronized Path wholeSplit() {
    if (wholeSplit == null) {
      wholeSplit = train(TrainingConfig.defaults(Architecture.MLP).seed(), 0);
    }
    return wholeSplit;
  }

  private static Path train(long seed, int images) {
    try {
      Path directory = Files.createTempDirectory("streaming-model-");
      TrainingConfig config = TrainingConfig.defaults(Architecture.MLP)
          .withEpochs(1)
          .withLimit(images)
          .withSeed(seed)
          .withShowProgress(false)
          .withTimeBudget(Duration.ofSeconds(120));
      new BundleTrainer(config, new PrintStream(OutputStream.nullOutputStream())).train(data(), directory);
      return directory;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy of the files of {@code bundle} in {@code target}, say as one entry of a model repository. */
  public static void copy(Path bundle, Path target) {
    try {
      Files.createDirectories(target);
      try (Stream<Path> files = Files.list(bundle)) {
        for (Path file : files.toList()) {
          if (Files.isRegularFile(file)) {
            Files.copy(file, target.resolve(file.getFileName()));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
