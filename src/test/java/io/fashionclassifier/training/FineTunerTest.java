package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.Prediction;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tuning goes on from a bundle's parameters: a tiny MLP, trained for seconds, then tuned for one epoch. */
class FineTunerTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @TempDir static Path dir;
  private static FashionMnist data;
  private static Manifest base;

  @BeforeAll
  static void aSmallTrainedBundle() {
    data = FashionMnist.load(null);
    TrainingConfig config = TrainingConfig.defaults(Architecture.MLP).withEpochs(1).withLimit(3_000)
        .withShowProgress(false);
    base = new BundleTrainer(config, QUIET).train(data, dir.resolve("base")).manifest();
  }

  private static List<Prediction> classify(Path bundleDirectory, LabelledImages images) {
    try (ModelBundle bundle = ModelBundle.load(bundleDirectory);
        BatchClassifier classifier = bundle.newClassifier()) {
      return classifier.classify(images.images(0, images.size()));
    }
  }

  @Test
  void aNegligibleLearningRateLeavesTheBundlesPredictionsAsTheyWere() {
    // were training to start from fresh parameters, the labels would be those of a random network
    TrainingConfig config = TrainingConfig.defaults(Architecture.MLP).withEpochs(1).withLimit(1_000)
        .withLearningRate(1e-9f).withShowProgress(false);
    LabelledImages training = data.train().slice(0, 1_000);
    LabelledImages validation = data.train().slice(59_000, 60_000);

    Manifest tuned = new FineTuner(config, QUIET).fineTune(dir.resolve("base"), training, validation,
        dir.resolve("tuned"), Map.of("note", "test"));

    LabelledImages test = data.test().slice(0, 500);
    List<Prediction> before = classify(dir.resolve("base"), test);
    List<Prediction> after = classify(dir.resolve("tuned"), test);
    long same = 0;
    for (int i = 0; i < test.size(); i++) {
      same += before.get(i).label() == after.get(i).label() ? 1 : 0;
    }
    assertThat(same).as("labels unchanged out of 500").isGreaterThanOrEqualTo(495);
    assertThat(tuned.training()).containsEntry("fine_tuned_from", base.version()).containsEntry("note", "test");
    assertThat(dir.resolve("tuned").resolve("calibration.json")).isRegularFile();
  }
}
