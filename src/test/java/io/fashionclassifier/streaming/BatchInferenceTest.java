package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A task's model calls on their own: bisection of a batch the model fails on, and the version a batch gets. */
class BatchInferenceTest {

  private static byte[] image(int firstPixel) {
    byte[] pixels = new byte[28 * 28];
    pixels[0] = (byte) firstPixel;
    return pixels;
  }

  @Test
  void aBatchTheModelFailsOnIsSplitUntilOnlyTheImagesItFailsOnAreLeft() {
    FakeClassifier model = new FakeClassifier();
    List<byte[]> pixels = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      pixels.add(image(i == 5 ? FakeClassifier.POISON : i));
    }
    try (BatchInference inference = new BatchInference(ModelSource.fixed(() -> model), ClassifierMetrics.discarding(),
        "0_0")) {
      BatchInference.Result result = inference.classify(pixels);

      for (int i = 0; i < 8; i++) {
        assertThat(result.failures()[i] != null).as("image %d failed", i).isEqualTo(i == 5);
        assertThat(result.predictions()[i] != null).as("image %d predicted", i).isEqualTo(i != 5);
      }
      assertThat(result.predictions()[3].label()).isEqualTo(3);
      assertThat(model.batchSizes).as("the batch, its halves, and on down the half with the poison image in it")
          .containsExactly(8, 4, 4, 2, 1, 1, 2);
    }
  }

  @Test
  void aBatchIsClassifiedByTheVersionInServiceWhenItStarts() {
    ServedModel first = new ServedModel("v1", () -> new FakeClassifier("v1", 0), null);
    ServedModel second = new ServedModel("v2", () -> new FakeClassifier("v2", 0), null);
    ModelLineup[] lineup = {new ModelLineup(first, null)};
    try (BatchInference inference = new BatchInference(() -> lineup[0], ClassifierMetrics.discarding(), "0_0")) {
      lineup[0] = new ModelLineup(second, null);
      assertThat(inference.classify(List.of(image(1))).modelVersion()).as("until the lineup is followed")
          .isEqualTo("v1");

      inference.followLineup();

      assertThat(inference.classify(List.of(image(1))).modelVersion()).isEqualTo("v2");
    }
  }
}
