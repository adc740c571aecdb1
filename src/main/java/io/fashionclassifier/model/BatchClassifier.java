package io.fashionclassifier.model;

import java.util.List;

/**
 * Classifies batches of 28x28 grayscale images with one loaded model. Not thread-safe (it owns one DJL
 * {@code Predictor}): each thread takes its own from {@code ModelBundle#newClassifier()}.
 */
public interface BatchClassifier extends AutoCloseable {

  /**
   * Classifies images given as row-major 8-bit grayscale pixels, {@code 28*28} bytes each, light item on a dark
   * background as in Fashion-MNIST. The result has one prediction per image, in order.
   */
  List<Prediction> classify(List<byte[]> images);

  /** Version of the model bundle (content hash of its parameters). */
  String modelVersion();

  @Override
  void close();
}
