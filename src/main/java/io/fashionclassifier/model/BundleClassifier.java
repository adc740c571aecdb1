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
 * Batched inference over one DJL predictor. Each call builds one normalised {@code float[]} per chunk, holding
 * every test-time view of each image of the chunk, creates one NDArray from it in a per-chunk sub-manager and
 * closes everything before returning, so native memory does not grow with the number of calls.
 *
 * <p>Why chunks of at most {@value #MAX_ROWS} rows (128 images with flip TTA): once an activation tensor passes
 * glibc's mmap threshold (32 MB with the launcher's settings) every layer maps and unmaps fresh memory, and the
 * CNN slows down tenfold (docs/benchmarks.md).
 */
final class BundleClassifier implements BatchClassifier {

  private static final int PIXELS = 28 * 28;
  static final int MAX_ROWS = 256;

  private final NDManager manager;
  private final Predictor<NDList, float[][]> predictor;
  private final String version;
  private final ImagePreprocessing.Normalizer normalizer;
  private final List<TestTimeAugmentation.View> views;
  private final int imagesPerChunk;

  BundleClassifier(Model model, Manifest manifest, TestTimeAugmentation augmentation) {
    this(model, manifest.version(), manifest.normalization(), augmentation);
  }

  BundleClassifier(Model model, String version, Manifest.Normalization normalization,
      TestTimeAugmentation augmentation) {
    this.manager = model.getNDManager().newSubManager();
    this.views = augmentation.views();
    this.predictor = model.newPredictor(new ProbabilitiesTranslator(views.size()));
    this.version = version;
    this.normalizer = new ImagePreprocessing.Normalizer(normalization);
    this.imagesPerChunk = Math.max(1, MAX_ROWS / views.size());
  }

  @Override
  public List<Prediction> classify(List<byte[]> images) {
    List<Prediction> predictions = new ArrayList<>(images.size());
    for (int from = 0; from < images.size(); from += imagesPerChunk) {
      classifyChunk(images.subList(from, Math.min(images.size(), from + imagesPerChunk)), predictions);
    }
    return predictions;
  }

  private void classifyChunk(List<byte[]> images, List<Prediction> predictions) {
    int count = images.size();
    // rows grouped by view: all images as they are, then all of the next view, ...
    float[] input = new float[views.size() * count * PIXELS];
    for (int i = 0; i < count; i++) {
      byte[] image = images.get(i);
      if (image.length != PIXELS) {
        throw new IllegalArgumentException(
            "image " + i + " has " + image.length + " bytes, expected 28x28 = " + PIXELS);
      }
      for (int v = 0; v < views.size(); v++) {
        TestTimeAugmentation.View view = views.get(v);
        normalizer.normalize(image, 0, input, (v * count + i) * PIXELS, view.mirror(), view.dx(), view.dy());
      }
    }
    float[][] probabilities;
    try (NDManager batch = manager.newSubManager()) {
      NDArray array = batch.create(input, new Shape((long) views.size() * count, 1, 28, 28));
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
   * Feeds a ready-made batch of {@code views} blocks of rows through the network and returns, per image, the
   * softmax probabilities averaged over its views.
   */
  private static final class ProbabilitiesTranslator implements Translator<NDList, float[][]> {
    private final int views;

    ProbabilitiesTranslator(int views) {
      this.views = views;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, NDList input) {
      return input;
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList output) {
      NDArray probabilities = output.singletonOrThrow().softmax(1);
      int classes = (int) probabilities.getShape().get(1);
      int rows = (int) probabilities.getShape().get(0) / views;
      if (views > 1) {
        probabilities = probabilities.reshape(views, rows, classes).mean(new int[] {0});
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
