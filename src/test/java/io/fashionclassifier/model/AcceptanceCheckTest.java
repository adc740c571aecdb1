package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle's own labelled slice: an untrained model (about 10% right) against the minimum it ships with. */
class AcceptanceCheckTest {

  private static LabelledImages slice;
  @TempDir Path dir;
  private double accuracy;

  @BeforeAll
  static void slice() {
    slice = FashionMnist.load(null).test().slice(0, 200);
  }

  @BeforeEach
  void untrainedBundle() {
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Block block = Architecture.MLP.newBlock();
      block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      model.setBlock(block);
      ModelBundle.save(dir, block, Architecture.MLP, false, Map.of(), null);
    }
    try (ModelBundle bundle = ModelBundle.load(dir); BatchClassifier classifier = bundle.newClassifier()) {
      List<Prediction> predictions = classifier.classify(slice.images(0, slice.size()));
      int correct = 0;
      for (int i = 0; i < predictions.size(); i++) {
        correct += predictions.get(i).label() == slice.label(i) ? 1 : 0;
      }
      accuracy = (double) correct / slice.size();
    }
  }

  @Test
  void aModelBelowTheSlicesMinimumIsRefusedAtLoad() {
    ModelBundle.writeAcceptanceSlice(dir, slice, Math.min(1.0, accuracy + 0.05));

    assertThatThrownBy(() -> ModelBundle.load(dir))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("on the bundle's 200 labelled acceptance images is below its minimum");
  }

  @Test
  void aModelThatReachesTheMinimumLoads() {
    ModelBundle.writeAcceptanceSlice(dir, slice, accuracy);

    try (ModelBundle bundle = ModelBundle.load(dir)) {
      assertThat(bundle.version()).isNotBlank();
    }
  }
}
