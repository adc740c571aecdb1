package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.fashionclassifier.model.Architecture;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keeping the best epoch's parameters: a snapshot survives later updates and restores every parameter. */
class SnapshotTest {

  @Test
  void restoreBringsBackEveryParameterIncludingBatchNormStatistics() {
    try (Model model = Model.newInstance("snapshot-test", Device.cpu());
        NDManager snapshots = model.getNDManager().newSubManager()) {
      model.setBlock(Architecture.CNN.newBlock());
      model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      List<float[]> original = values(model);

      List<NDArray> snapshot = BestSnapshot.snapshot(model, snapshots);
      for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
        parameter.getValue().getArray().addi(1f);
      }
      assertThat(values(model).get(0)).isNotEqualTo(original.get(0));
      BestSnapshot.restore(model, snapshot);

      List<float[]> restored = values(model);
      assertThat(restored).hasSameSizeAs(original);
      for (int i = 0; i < original.size(); i++) {
        assertThat(restored.get(i)).isEqualTo(original.get(i));
      }
      assertThat(model.getBlock().getParameters().keys()).anyMatch(name -> name.contains("runningMean"));
    }
  }

  private static List<float[]> values(Model model) {
    return model.getBlock().getParameters().values().stream().map(p -> p.getArray().toFloatArray()).toList();
  }
}
