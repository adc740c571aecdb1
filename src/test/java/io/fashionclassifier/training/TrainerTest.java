package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One short real training run (MLP, 5,000 images, 2 epochs: seconds) shared by the assertions below. */
class TrainerTest {

  @TempDir static Path bundle;
  private static FashionMnist data;
  private static TrainingResult result;
  private static String console;

  @BeforeAll
  static void train() {
    data = FashionMnist.load(null);
    TrainingConfig config = TrainingConfig.defaults(Architecture.MLP).withEpochs(2).withLimit(5_000)
        .withShowProgress(false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    result = new BundleTrainer(config, new PrintStream(out, true, StandardCharsets.UTF_8)).train(data, bundle);
    console = out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void clearlyBeatsChanceOnTheTestSet() {
    assertThat(result.testAccuracy()).isGreaterThan(0.70);
    assertThat(result.bestValidationAccuracy()).isGreaterThan(0.70);
    assertThat(result.epochs()).hasSize(2);
    assertThat(console).contains("epoch 2: train loss").contains("test accuracy");
  }

  @Test
  void writesBundleReportAndPlots() {
    assertThat(bundle.resolve("manifest.json")).isRegularFile();
    assertThat(bundle.resolve("model.params")).isRegularFile();
    assertThat(bundle.resolve("report.md")).content().contains("training-curves.png");
    for (String plot : new String[] {"training-curves.png", "confusion-matrix.png", "samples.png"}) {
      assertThat(bundle.resolve(plot)).isRegularFile().isNotEmptyFile();
    }
    assertThat(result.manifest().testAccuracy()).isEqualTo(result.testAccuracy());
    assertThat(result.manifest().training()).containsEntry("limit", 5000);
  }

  @Test
  void reportHasMetricsConsistentWithTheTestSet() throws IOException {
    TrainingReport report = TrainingReport.read(bundle);

    assertThat(report.testAccuracy()).isEqualTo(result.testAccuracy());
    assertThat(report.modelVersion()).isEqualTo(result.manifest().version());
    assertThat(report.epochs()).hasSize(2);
    assertThat(report.perClass()).hasSize(10);
    int total = 0;
    int diagonal = 0;
    for (int i = 0; i < 10; i++) {
      for (int j = 0; j < 10; j++) {
        total += report.confusionMatrix()[i][j];
      }
      diagonal += report.confusionMatrix()[i][i];
    }
    assertThat(total).isEqualTo(10_000);
    assertThat(diagonal / 10_000.0).isEqualTo(report.testAccuracy());
    assertThat(report.trainSeconds()).isPositive();
    assertThat(report.imagesPerSecond()).isPositive();
  }

  @Test
  void evaluatingTheBundleAgainGivesTheRecordedAccuracy() {
    try (ModelBundle loaded = ModelBundle.load(bundle);
        BatchClassifier classifier = loaded.newClassifier()) {
      Evaluation evaluation = Evaluation.run(classifier, data.test(), loaded.manifest().classNames());

      assertThat(evaluation.accuracy()).isEqualTo(result.testAccuracy());
    }
  }
}
