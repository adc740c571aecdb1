package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.nn.Parameter;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelBundleTest {

  private static List<byte[]> images;

  @TempDir Path dir;

  @BeforeAll
  static void loadImages() {
    LabelledImages test = FashionMnist.load(null).test();
    images = test.images(0, 64);
  }

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void savedAndLoadedBundleGivesIdenticalPredictions(Architecture architecture) {
    boolean flipTta = architecture == Architecture.CNN;
    List<Prediction> before;
    Manifest saved;
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Block block = architecture.newBlock();
      // random, non-trivial weights: an untrained but initialised network
      block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      model.setBlock(block);
      saved = ModelBundle.save(dir, block, architecture, flipTta, Map.of("test", true), null);
      try (BatchClassifier classifier = new BundleClassifier(model, saved, saved.flipTta())) {
        before = classifier.classify(images);
      }
    }

    try (ModelBundle bundle = ModelBundle.load(dir);
        BatchClassifier classifier = bundle.newClassifier()) {
      assertThat(bundle.manifest()).isEqualTo(saved);
      assertThat(classifier.modelVersion()).isEqualTo(saved.version()).hasSize(12);
      assertThat(classifier.classify(images)).isEqualTo(before);
    }
  }

  @Test
  void predictionsAreProbabilitiesAndIndependentOfBatchSplit() {
    saveRandom(Architecture.CNN, true);
    try (ModelBundle bundle = ModelBundle.load(dir);
        BatchClassifier classifier = bundle.newClassifier()) {
      List<Prediction> whole = classifier.classify(images);
      List<Prediction> first = classifier.classify(images.subList(0, 1));

      assertThat(whole).hasSize(images.size());
      float sum = 0;
      for (float p : whole.get(0).probabilities()) {
        sum += p;
      }
      assertThat(sum).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
      assertThat(first.get(0).label()).isEqualTo(whole.get(0).label());
      assertThat(classifier.classify(List.of())).isEmpty();
    }
  }

  @Test
  void flipTestTimeAugmentationCanBeSwitchedOffForServing() {
    saveRandom(Architecture.CNN, true);
    try (ModelBundle bundle = ModelBundle.load(dir);
        BatchClassifier asEvaluated = bundle.newClassifier();
        BatchClassifier withFlip = bundle.newClassifier(true);
        BatchClassifier withoutFlip = bundle.newClassifier(false)) {
      List<Prediction> evaluated = asEvaluated.classify(images);

      assertThat(withFlip.classify(images)).isEqualTo(evaluated);
      assertThat(withoutFlip.classify(images)).isNotEqualTo(evaluated).hasSameSizeAs(evaluated);
    }
  }

  @Test
  void missingDirectoryIsReported() {
    Path absent = dir.resolve("absent");

    assertThatThrownBy(() -> ModelBundle.load(absent))
        .isInstanceOf(ModelBundleException.class)
        .hasMessage("model directory " + absent + " does not exist; train one with 'train --out " + absent + "'");
  }

  @Test
  void missingManifestIsReported() {
    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("manifest.json not found");
  }

  @Test
  void corruptManifestIsReported() throws IOException {
    saveRandom(Architecture.MLP, false);
    Files.writeString(dir.resolve(ModelBundle.MANIFEST_FILE), "{\"version\": ");

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("not a valid manifest")
        .hasMessageNotContaining("\n");
  }

  @Test
  void changedParametersAreDetected() throws IOException {
    saveRandom(Architecture.MLP, false);
    Path parameters = dir.resolve(ModelBundle.PARAMETERS_FILE);
    byte[] bytes = Files.readAllBytes(parameters);
    bytes[bytes.length - 1] ^= 1;
    Files.write(parameters, bytes);

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("does not match manifest version");
  }

  @Test
  void missingParametersAreReported() throws IOException {
    saveRandom(Architecture.MLP, false);
    Files.delete(dir.resolve(ModelBundle.PARAMETERS_FILE));

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("parameters file not found");
  }

  private void saveRandom(Architecture architecture, boolean flipTta) {
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Block block = architecture.newBlock();
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      ModelBundle.save(dir, block, architecture, flipTta, Map.of(), null);
    }
  }
}
