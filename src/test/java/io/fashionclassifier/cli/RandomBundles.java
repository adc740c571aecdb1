package io.fashionclassifier.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.ModelBundle;
import java.nio.file.Path;
import java.util.Map;

/** Real bundles of randomly initialised MLPs, for the commands that move a repository's pointers. */
final class RandomBundles {

  private RandomBundles() {}

  /** Saves a bundle to {@code directory} and returns its version. */
  static String save(Path directory) {
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Block block = Architecture.MLP.newBlock();
      block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      model.setBlock(block);
      return ModelBundle.save(directory, block, Architecture.MLP, false, Map.of(), null).version();
    }
  }
}
