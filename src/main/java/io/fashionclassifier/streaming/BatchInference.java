package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's inference: the classifiers it holds of the current {@link ModelLineup} (the active model, and a shadow
 * if there is one), and the model calls for a batch. Not thread-safe: DJL predictors are not, so each task holds
 * its own classifiers and calls them from one thread at a time.
 *
 * <p>{@link #followLineup} moves to the lineup's models only between batches: the classifier of the old version is
 * closed after its last batch and before the first of the new one, so every batch, and so every item, is
 * classified by exactly one version, the one {@link Result#modelVersion} names.
 */
final class BatchInference implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BatchInference.class);

  private final Supplier<ModelLineup> models;
  private final ClassifierMetrics metrics;
  private final String task;
  private ServedModel activeModel;
  private BatchClassifier classifier;
  private ServedModel shadowModel;
  private BatchClassifier shadow;

  /**
   * What the models made of a batch: for each image a prediction of the active model or the reason it failed on
   * that image; and the shadow model's predictions for the whole batch, or null.
   *
   * @param shadow null when nothing is shadowed or the shadow failed on the batch
   * @param shadowVersion the shadow's version when {@code shadow} is not null
   */
  record Result(String modelVersion, Prediction[] predictions, RuntimeException[] failures,
      List<Prediction> shadow, String shadowVersion) {

    int size() {
      return predictions.length;
    }
  }

  /** @param task the task whose batches these are, for the logs */
  BatchInference(Supplier<ModelLineup> models, ClassifierMetrics metrics, String task) {
    this.models = models;
    this.metrics = metrics;
    this.task = task;
    followLineup();
  }

  /**
   * Moves to the current lineup's models if they changed since the last batch. Called before each batch, and when
   * the task is idle so that a retired model is let go of and can be closed.
   */
  void followLineup() {
    ModelLineup lineup = models.get();
    while (lineup.active() != activeModel) {
      BatchClassifier next = lineup.active().lease();
      if (next != null) {
        if (classifier != null) {
          log.info("task {}: model {} from this batch on (was {})", task, next.modelVersion(),
              classifier.modelVersion());
          classifier.close();
        }
        classifier = next;
        activeModel = lineup.active();
      } else {
        // retired and closed in the meantime: a newer lineup is already out
        lineup = models.get();
      }
    }
    if (lineup.shadow() != shadowModel) {
      if (shadow != null) {
        shadow.close();
        shadow = null;
      }
      shadowModel = null;
      if (lineup.shadow() != null) {
        shadow = lineup.shadow().lease();
        shadowModel = shadow == null ? null : lineup.shadow();
      }
    }
  }

  /** Classifies one batch with the active model, and with the shadow if there is one. */
  Result classify(List<byte[]> pixels) {
    Prediction[] predictions = new Prediction[pixels.size()];
    RuntimeException[] failures = new RuntimeException[pixels.size()];
    String modelVersion = classifier.modelVersion();
    long started = System.nanoTime();
    predict(pixels, 0, pixels.size(), predictions, failures);
    metrics.batch(pixels.size(), System.nanoTime() - started, modelVersion, ClassifierMetrics.ACTIVE);
    int failed = 0;
    for (RuntimeException failure : failures) {
      failed += failure == null ? 0 : 1;
    }
    if (failed > 0) {
      log.warn("task {}: the model failed on {} of {} images; those went to the dead-letter topic",
          task, failed, pixels.size());
    }
    List<Prediction> shadowed = shadowPredict(pixels);
    return new Result(modelVersion, predictions, failures, shadowed, shadowed == null ? null : shadow.modelVersion());
  }

  /**
   * Classifies {@code pixels[from, to)}; when the model fails on a batch, each half is tried on its own, so only
   * the images it really fails on are dead-lettered (a systematic failure costs 2n-1 calls, once).
   */
  private void predict(List<byte[]> pixels, int from, int to, Prediction[] predictions, RuntimeException[] failures) {
    try {
      List<Prediction> result = classifier.classify(pixels.subList(from, to));
      if (result.size() != to - from) {
        throw new IllegalStateException(
            "the model returned " + result.size() + " predictions for " + (to - from) + " images");
      }
      for (int i = from; i < to; i++) {
        predictions[i] = result.get(i - from);
      }
    } catch (RuntimeException e) {
      if (to - from == 1) {
        failures[from] = e;
        return;
      }
      int middle = (from + to) >>> 1;
      predict(pixels, from, middle, predictions, failures);
      predict(pixels, middle, to, predictions, failures);
    }
  }

  /**
   * The shadow model's predictions for the whole batch, or null when nothing is shadowed or the shadow fails: a
   * candidate's failure costs its figures for the batch, never a verdict.
   */
  private List<Prediction> shadowPredict(List<byte[]> pixels) {
    if (shadow == null) {
      return null;
    }
    String version = shadow.modelVersion();
    long started = System.nanoTime();
    try {
      List<Prediction> result = shadow.classify(pixels);
      if (result.size() != pixels.size()) {
        throw new IllegalStateException(
            "the model returned " + result.size() + " predictions for " + pixels.size() + " images");
      }
      metrics.batch(pixels.size(), System.nanoTime() - started, version, ClassifierMetrics.SHADOW);
      return result;
    } catch (RuntimeException e) {
      metrics.shadowFailed(version);
      log.warn("task {}: shadow model {} failed on a batch of {} ({}); its figures leave the batch out",
          task, version, pixels.size(), e.toString());
      return null;
    }
  }

  /** Gives the classifiers back, so that a retired model can be closed once no task holds it. */
  @Override
  public void close() {
    if (classifier != null) {
      classifier.close();
      classifier = null;
      activeModel = null;
    }
    if (shadow != null) {
      shadow.close();
      shadow = null;
    }
    shadowModel = null;
  }
}
