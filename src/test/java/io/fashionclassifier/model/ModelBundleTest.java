package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.initializer.ConstantInitializer;
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
      try (BatchClassifier classifier = new BundleClassifier(model, saved, TestTimeAugmentation.flipOnly(saved.flipTta()))) {
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
  void shiftTestTimeAugmentationAveragesThePredictionsOfEveryView() {
    saveRandom(Architecture.CNN, true);
    TestTimeAugmentation flipAndShift = TestTimeAugmentation.parse("flip+shift");
    List<byte[]> some = images.subList(0, 3);
    try (ModelBundle bundle = ModelBundle.load(dir);
        BatchClassifier augmented = bundle.newClassifier(flipAndShift);
        BatchClassifier plain = bundle.newClassifier(TestTimeAugmentation.NONE)) {
      List<Prediction> predictions = augmented.classify(some);

      assertThat(flipAndShift.viewCount()).isEqualTo(10);
      for (int i = 0; i < some.size(); i++) {
        float[] expected = new float[10];
        for (TestTimeAugmentation.View view : flipAndShift.views()) {
          float[] p = plain.classify(List.of(viewOf(some.get(i), view))).get(0).probabilities();
          for (int c = 0; c < 10; c++) {
            expected[c] += p[c] / flipAndShift.viewCount();
          }
        }
        assertThat(predictions.get(i).probabilities())
            .containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  /** The view's bytes built by hand: mirrored, then moved, background (0) where nothing moved in. */
  private static byte[] viewOf(byte[] image, TestTimeAugmentation.View view) {
    byte[] out = new byte[784];
    for (int row = 0; row < 28; row++) {
      for (int column = 0; column < 28; column++) {
        int fromRow = row - view.dy();
        int fromColumn = column - view.dx();
        if (fromRow >= 0 && fromRow < 28 && fromColumn >= 0 && fromColumn < 28) {
          out[row * 28 + column] = image[fromRow * 28 + (view.mirror() ? 27 - fromColumn : fromColumn)];
        }
      }
    }
    return out;
  }

  @Test
  void anUnknownTestTimeAugmentationNamesTheAcceptedOnes() {
    assertThatThrownBy(() -> TestTimeAugmentation.parse("rotate"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown test-time augmentation 'rotate': use one of none, flip, shift, flip+shift");
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

  @Test
  void aBundleWhoseClassListIsNotFashionMnistsIsRefused() {
    Manifest saved = saveRandom(Architecture.MLP, false);
    List<String> swapped = new java.util.ArrayList<>(saved.classNames());
    java.util.Collections.swap(swapped, 0, 1);
    ModelBundle.writeManifest(dir, new Manifest(saved.formatVersion(), saved.name(), saved.version(),
        saved.architecture(), saved.parametersFile(), saved.inputShape(), saved.normalization(), swapped,
        saved.flipTta(), saved.djlVersion(), saved.engine(), saved.engineVersion(), saved.createdAt(),
        saved.training(), saved.testAccuracy()));

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageStartingWith(dir.resolve(ModelBundle.MANIFEST_FILE) + ": class_names [Trouser, T-shirt/top,")
        .hasMessageEndingWith("; use a bundle trained by 'train'")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aBundleWhoseOutputLayerIsNotTenWideIsRefused() {
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      // the MLP with a 12-wide output layer: its parameters load into the MLP architecture, hash and all
      Block block = new SequentialBlock()
          .add(Blocks.batchFlattenBlock())
          .add(Linear.builder().setUnits(128).build())
          .add(Activation::relu)
          .add(Dropout.builder().optRate(0.2f).build())
          .add(Linear.builder().setUnits(12).build());
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      ModelBundle.save(dir, block, Architecture.MLP, false, Map.of(), null);
    }

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageStartingWith(dir.resolve(ModelBundle.PARAMETERS_FILE) + ": ")
        .hasMessageContaining("not the parameters of architecture 'mlp' as DJL")
        .hasMessageContaining("truncated, padded or another network")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aBundleThatGivesNaNIsRefused() {
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Block block = Architecture.MLP.newBlock();
      block.setInitializer(new ConstantInitializer(Float.NaN), Parameter.Type.WEIGHT);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      ModelBundle.save(dir, block, Architecture.MLP, false, Map.of(), null);
    }

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessage(dir + ": the model gives NaN on a test image, its parameters are broken (training diverged?);"
            + " train the bundle again with 'train'");
  }

  /**
   * Parameters whose manifest carries their hash (a broken trainer's, or a hostile bundle's) but whose array
   * headers lie: a data length of 2 GB, a rank of 2 billion, or two dimensions swapped. Each is refused by the
   * layout check, naming the parameter, before DJL allocates what the header claims.
   */
  @ParameterizedTest
  @EnumSource(HeaderLie.class)
  void parametersWhoseHeadersLieAreRefusedBeforeDjlReadsThem(HeaderLie lie) throws IOException {
    Manifest saved = saveRandom(Architecture.MLP, false);
    Path parameters = dir.resolve(ModelBundle.PARAMETERS_FILE);
    byte[] bytes = Files.readAllBytes(parameters);
    lie.apply(java.nio.ByteBuffer.wrap(bytes), firstArrayHeader(bytes));
    Files.write(parameters, bytes);
    ModelBundle.writeManifest(dir, withVersion(saved, sha256(bytes)));

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageStartingWith(parameters + ": not the parameters of architecture 'mlp' as DJL ")
        .hasMessageContaining("in the header of parameter")
        .hasMessageNotContaining("\n");
  }

  /** How a header lies, given the offset of the first array's rank. */
  enum HeaderLie {
    HUGE_DATA_LENGTH {
      @Override
      void apply(java.nio.ByteBuffer bytes, int rank) {
        int layout = rank + 4 + 8 * bytes.getInt(rank);
        bytes.putInt(layout + 4 + 2 * bytes.getInt(layout) + 1, 0x7fff_fff0);
      }
    },
    HUGE_RANK {
      @Override
      void apply(java.nio.ByteBuffer bytes, int rank) {
        bytes.putInt(rank, 0x7fff_fff0);
      }
    },
    SWAPPED_DIMENSIONS {
      @Override
      void apply(java.nio.ByteBuffer bytes, int rank) {
        long first = bytes.getLong(rank + 4);
        bytes.putLong(rank + 4, bytes.getLong(rank + 12));
        bytes.putLong(rank + 12, first);
      }
    };

    abstract void apply(java.nio.ByteBuffer bytes, int rank);
  }

  /** The offset of the first array's rank: DJL's NDArray encoding, version 3 (see BundleFuzz). */
  private static int firstArrayHeader(byte[] bytes) {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
    int at = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("NDAR") + 4;
    assertThat(buffer.getInt(at)).as("NDArray encoding version").isEqualTo(3);
    at += 4;
    if (bytes[at++] != 0) {
      at += 2 + buffer.getShort(at);
    }
    at += 2 + buffer.getShort(at);
    at += 2 + buffer.getShort(at);
    return at;
  }

  private static Manifest withVersion(Manifest m, String version) {
    return new Manifest(m.formatVersion(), m.name(), version, m.architecture(), m.parametersFile(), m.inputShape(),
        m.normalization(), m.classNames(), m.flipTta(), m.djlVersion(), m.engine(), m.engineVersion(),
        m.createdAt(), m.training(), m.testAccuracy());
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes))
          .substring(0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aManifestNamingParametersOutsideTheBundleIsRefused() {
    Manifest saved = saveRandom(Architecture.MLP, false);
    ModelBundle.writeManifest(dir, new Manifest(saved.formatVersion(), saved.name(), saved.version(),
        saved.architecture(), "../" + dir.getFileName() + "/" + ModelBundle.PARAMETERS_FILE, saved.inputShape(),
        saved.normalization(), saved.classNames(), saved.flipTta(), saved.djlVersion(), saved.engine(),
        saved.engineVersion(), saved.createdAt(), saved.training(), saved.testAccuracy()));

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("is not the name of a file inside the bundle");
  }

  private Manifest saveRandom(Architecture architecture, boolean flipTta) {
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Block block = architecture.newBlock();
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      return ModelBundle.save(dir, block, architecture, flipTta, Map.of(), null);
    }
  }
}
