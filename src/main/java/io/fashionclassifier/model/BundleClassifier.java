package io.fashionclassifier.model;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Batched inference over one DJL predictor. Each call builds one normalised {@code float[]} per chunk of at
 * most {@value #MAX_CHUNK} images, creates one NDArray from it in a per-chunk sub-manager and closes
 * everything before returning, so native memory does not grow with the number of calls.
 *
 * <p>Why chunks: once an activation tensor passes glibc's mmap threshold (32 MB with the launcher's
 * settings) every layer maps and unmaps fresh memory; measured on 2 cores, the CNN classified 1,390
 * images/s in batches of 128 but 141 images/s in batches of 500 (1,000 with flip TTA).
 */
final class BundleClassifier implements BatchClassifier {

  private static final int PIXELS = 28 * 28;
  static final int MAX_CHUNK = 128;

  private final NDManager manager;
  private final Predictor<NDList, float[][]> predictor;
  private final String version;
  private final ImagePreprocessing.Normalizer normalizer;

  BundleClassifier(Model model, Manifest manifest, boolean flipTta) {
    this.manager = model.getNDManager().newSubManager();
    this.predictor = model.newPredictor(new ProbabilitiesTranslator(flipTta));
    this.version = manifest.version();
    this.normalizer = new ImagePreprocessing.Normalizer(manifest.normalization());
  }

  @Override
  public List<Prediction> classify(List<byte[]> images) {
    List<Prediction> predictions = new ArrayList<>(images.size());
    for (int from = 0; from < images.size(); from += MAX_CHUNK) {
      classifyChunk(images.subList(from, Math.min(images.size(), from + MAX_CHUNK)), predictions);
    }
    return predictions;
  }

  private void classifyChunk(List<byte[]> images, List<Prediction> predictions) {
    int count = images.size();
    float[] input = new float[count * PIXELS];
    for (int i = 0; i < count; i++) {
      byte[] image = images.get(i);
      if (image.length != PIXELS) {
        throw new IllegalArgumentException(
            "image " + i + " has " + image.length + " bytes, expected 28x28 = " + PIXELS);
      }
      normalizer.normalize(image, 0, input, i * PIXELS, false);
    }
    float[][] probabilities;
    try (NDManager batch = manager.newSubManager()) {
      NDArray array = batch.create(input, new Shape(count, 1, 28, 28));
      probabilities = predictor.predict(new NDList(array));
    } catch (TranslateException e) {
      throw new IllegalStateException("inference failed: " + e.getMessage(), e);
    }
    for (float[] row : probabilities) {
      predictions.add(new Prediction(row));
    }
  }

  @Override
  public String modelVersion() {
    return version;
  }

  @Override
  public void close() {
    predictor.close();
    manager.close();
  }

  /**
   * Feeds a ready-made batch through the network and returns softmax probabilities. With flip TTA the batch
   * is run together with its mirror image (one forward pass of 2N) and the two probability sets are averaged.
   */
  private static final class ProbabilitiesTranslator implements Translator<NDList, float[][]> {
    private final boolean flipTta;

    ProbabilitiesTranslator(boolean flipTta) {
      this.flipTta = flipTta;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, NDList input) {
      NDArray images = input.singletonOrThrow();
      return flipTta ? new NDList(images.concat(images.flip(3), 0)) : input;
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList output) {
      NDArray probabilities = output.singletonOrThrow().softmax(1);
      int rows = (int) probabilities.getShape().get(0);
      int classes = (int) probabilities.getShape().get(1);
      if (flipTta) {
        rows /= 2;
        NDArray plain = probabilities.get("0:" + rows);
        NDArray mirrored = probabilities.get(rows + ":");
        probabilities = plain.add(mirrored).div(2);
      }
      float[] flat = probabilities.toFloatArray();
      float[][] result = new float[rows][classes];
      for (int i = 0; i < rows; i++) {
        System.arraycopy(flat, i * classes, result[i], 0, classes);
      }
      return result;
    }

    @Override
    public Batchifier getBatchifier() {
      // the caller hands over one ready-made batch
      return null;
    }
  }
}
