package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A deterministic stand-in for the model, for topology tests about batching and arithmetic: it predicts label
 * {@code firstPixel % 10} with probability 0.7, the next label with 0.2 and spreads 0.1 over the rest. A batch
 * holding an image whose first pixel is {@link #POISON} fails, as a broken model would.
 */
final class FakeClassifier implements BatchClassifier {

  static final int POISON = 255;
  static final String VERSION = "fake-1";

  /** Sizes of the batches classified by every instance, in order. */
  final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
  boolean closed;
  private final String version;
  private final int shift;

  FakeClassifier() {
    this(VERSION, 0);
  }

  /** Another model: version {@code version}, predicting label {@code (firstPixel + shift) % 10}. */
  FakeClassifier(String version, int shift) {
    this.version = version;
    this.shift = shift;
  }

  @Override
  public List<Prediction> classify(List<byte[]> images) {
    batchSizes.add(images.size());
    List<Prediction> predictions = new ArrayList<>(images.size());
    for (byte[] image : images) {
      int first = image[0] & 0xff;
      if (first == POISON) {
        throw new IllegalStateException("model failure on a poison image");
      }
      predictions.add(new Prediction(probabilities((first + shift) % 10)));
    }
    return predictions;
  }

  static float[] probabilities(int label) {
    float[] probabilities = new float[10];
    java.util.Arrays.fill(probabilities, 0.1f / 8);
    probabilities[label] = 0.7f;
    probabilities[(label + 1) % 10] = 0.2f;
    return probabilities;
  }

  @Override
  public String modelVersion() {
    return version;
  }

  @Override
  public void close() {
    closed = true;
  }
}
