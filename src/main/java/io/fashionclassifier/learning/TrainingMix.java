package io.fashionclassifier.learning;

import io.fashionclassifier.dataset.LabelledImages;
import java.util.Random;

/**
 * The images a candidate is fine-tuned on: the audited items it may train on, mixed with a replay of the original
 * training images, so that it learns what the audits teach without forgetting the rest (rehearsal, as in
 * continual-learning practice). The replay is drawn without repetition, by a seed.
 */
final class TrainingMix {

  private TrainingMix() {}

  /**
   * The audited images followed by {@code replayCount} images drawn from {@code original} (all of it when it
   * holds fewer); the training loop shuffles them.
   */
  static LabelledImages of(LabelledImages audited, LabelledImages original, int replayCount, long seed) {
    int replay = Math.min(replayCount, original.size());
    int length = original.pixelsPerImage();
    if (audited.size() > 0 && audited.pixelsPerImage() != length) {
      throw new IllegalArgumentException("audited images are " + audited.rows() + "x" + audited.columns()
          + ", the original ones " + original.rows() + "x" + original.columns());
    }
    int total = audited.size() + replay;
    byte[] pixels = new byte[total * length];
    byte[] labels = new byte[total];
    System.arraycopy(audited.pixels(), 0, pixels, 0, audited.size() * length);
    System.arraycopy(audited.labels(), 0, labels, 0, audited.size());
    // a partial Fisher-Yates shuffle of the indices: the first 'replay' of them are the draw
    int[] indices = new int[original.size()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = i;
    }
    Random random = new Random(seed);
    for (int i = 0; i < replay; i++) {
      int j = i + random.nextInt(indices.length - i);
      int chosen = indices[j];
      indices[j] = indices[i];
      indices[i] = chosen;
      int at = audited.size() + i;
      System.arraycopy(original.pixels(), chosen * length, pixels, at * length, length);
      labels[at] = original.labels()[chosen];
    }
    return new LabelledImages(pixels, labels, original.rows(), original.columns());
  }
}
