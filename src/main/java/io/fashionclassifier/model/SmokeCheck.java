package io.fashionclassifier.model;

import ai.djl.Model;
import io.fashionclassifier.dataset.FashionMnist;
import java.nio.file.Path;
import java.util.List;

/**
 * What a loaded bundle must do before anything is classified with it: name the ten Fashion-MNIST classes in
 * their order, take one 28x28 grayscale image, and turn a known image into ten finite probabilities. A bundle
 * whose hash matches can still fail this (a network saved with another output layer, parameters that went NaN in
 * training, a manifest edited by hand), and would otherwise fail or mislabel every batch while the classifier
 * reports ready. One forward pass.
 */
final class SmokeCheck {

  private static final int SIDE = 28;
  private static final List<Integer> INPUT_SHAPE = List.of(1, SIDE, SIDE);

  private SmokeCheck() {}

  /** Throws {@link ModelBundleException}, one line naming what is wrong and how to fix it. */
  static void check(Path directory, Manifest manifest, Model model) {
    List<String> expected = FashionMnist.CLASS_NAMES;
    if (!expected.equals(manifest.classNames())) {
      throw new ModelBundleException(directory.resolve(ModelBundle.MANIFEST_FILE) + ": class_names "
          + manifest.classNames() + " are not the " + expected.size() + " Fashion-MNIST classes in order "
          + expected + "; use a bundle trained by 'train'");
    }
    if (manifest.inputShape() != null && !INPUT_SHAPE.equals(manifest.inputShape())) {
      throw new ModelBundleException(directory.resolve(ModelBundle.MANIFEST_FILE) + ": input_shape "
          + manifest.inputShape() + " is not " + INPUT_SHAPE + " (one 28x28 grayscale image); use a bundle trained by "
          + "'train'");
    }
    float[] probabilities;
    try (BatchClassifier classifier = new BundleClassifier(model, manifest, TestTimeAugmentation.asEvaluated(manifest))) {
      probabilities = classifier.classify(List.of(knownImage())).get(0).probabilities();
    } catch (RuntimeException e) {
      throw new ModelBundleException(directory + ": the model fails on a test image (" + firstLine(e)
          + "); the bundle does not fit architecture '" + manifest.architecture() + "', train it again", e);
    }
    if (probabilities.length != expected.size()) {
      throw new ModelBundleException(directory + ": the model's output layer is " + probabilities.length
          + " wide, the classifier needs " + expected.size() + " (one per Fashion-MNIST class); train the bundle"
          + " again with 'train'");
    }
    for (float probability : probabilities) {
      if (!Float.isFinite(probability)) {
        throw new ModelBundleException(directory + ": the model gives " + probability + " on a test image, its"
            + " parameters are broken (training diverged?); train the bundle again with 'train'");
      }
    }
  }

  /** A fixed picture (a bright rectangle with a gradient, roughly a bag); only what the network makes of it matters. */
  static byte[] knownImage() {
    byte[] pixels = new byte[SIDE * SIDE];
    for (int row = 6; row < 24; row++) {
      for (int column = 4; column < 24; column++) {
        pixels[row * SIDE + column] = (byte) (120 + 5 * row);
      }
    }
    return pixels;
  }

  private static String firstLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
