package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import io.fashionclassifier.dataset.LabelledImages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Batches as the training loop gets them, from 100 synthetic all-white images labelled 0-9 in turn. */
class ImageBatchesTest {

  private static final LabelledImages WHITE = whiteImages(100);
  private final NDManager manager = NDManager.newBaseManager();

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void trainingDropsTheIncompleteLastBatchAndInferenceKeepsIt() {
    ImageBatches training = ImageBatches.training(WHITE, 32, ImageBatches.Augmentation.NONE, 0f, false, 1,
        () -> false);

    assertThat(sizes(training)).containsExactly(32, 32, 32);
    assertThat(sizes(ImageBatches.inference(WHITE, false))).containsExactly(100);
  }

  @Test
  void theStopConditionEndsTheEpochBeforeTheNextBatch() {
    AtomicInteger asked = new AtomicInteger();
    ImageBatches training = ImageBatches.training(WHITE, 10, ImageBatches.Augmentation.NONE, 0f, false, 1,
        () -> asked.incrementAndGet() > 4);

    assertThat(sizes(training)).hasSize(4);
  }

  @Test
  void smoothedTargetsKeepMostOfTheWeightOnTheTrueClass() {
    ImageBatches training = ImageBatches.training(WHITE, 10, ImageBatches.Augmentation.NONE, 0.1f, true, 1,
        () -> false);

    try (Batch batch = training.getData(manager).iterator().next()) {
      float[] targets = batch.getLabels().head().toFloatArray();
      float[] first = Arrays.copyOfRange(targets, 0, 10);
      float sum = 0;
      int top = 0;
      for (int c = 0; c < 10; c++) {
        sum += first[c];
        top = first[c] > first[top] ? c : top;
      }
      assertThat(sum).isCloseTo(1f, within(1e-6f));
      assertThat(first[top]).isCloseTo(0.91f, within(1e-6f));
      for (int c = 0; c < 10; c++) {
        if (c != top) {
          assertThat(first[c]).isCloseTo(0.01f, within(1e-6f));
        }
      }
    }
  }

  @Test
  void randomErasingBlanksARectangleToTheMeanValue() {
    ImageBatches training = ImageBatches.training(WHITE, 10, new ImageBatches.Augmentation(false, 1f), 0f, false,
        1, () -> false);

    try (Batch batch = training.getData(manager).iterator().next()) {
      float[] pixels = batch.getData().head().toFloatArray();
      for (int image = 0; image < 10; image++) {
        int erased = 0;
        for (int p = 0; p < 784; p++) {
          erased += pixels[image * 784 + p] == 0f ? 1 : 0;
        }
        // 2-33% of the 784 pixels, rounded to whole rows and columns
        assertThat(erased).isBetween(9, 300);
      }
    }
  }

  private List<Integer> sizes(ImageBatches batches) {
    List<Integer> sizes = new ArrayList<>();
    for (Batch batch : batches.getData(manager)) {
      sizes.add(batch.getSize());
      batch.close();
    }
    return sizes;
  }

  private static LabelledImages whiteImages(int count) {
    byte[] pixels = new byte[count * 784];
    Arrays.fill(pixels, (byte) 255);
    byte[] labels = new byte[count];
    for (int i = 0; i < count; i++) {
      labels[i] = (byte) (i % 10);
    }
    return new LabelledImages(pixels, labels, 28, 28);
  }
}
