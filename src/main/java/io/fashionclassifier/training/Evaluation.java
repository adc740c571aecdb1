package io.fashionclassifier.training;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import java.util.ArrayList;
import java.util.List;

/**
 * Test metrics of a classifier: confusion matrix (rows = true label, columns = predicted label), accuracy and
 * per-class precision, recall and F1. Computed through {@link BatchClassifier}, the same path the stream
 * classifier takes, so both report the same accuracy.
 *
 * @param classNames class names in label order
 * @param confusion {@code confusion[true][predicted]} counts
 * @param predictedLabels predicted label per image, in input order
 * @param confidences probability of the predicted label per image
 */
public record Evaluation(List<String> classNames, int[][] confusion, int[] predictedLabels, float[] confidences) {

  /** Images per classifier call (the classifier splits larger calls into chunks of 128 anyway). */
  public static final int BATCH_SIZE = ImageBatches.INFERENCE_CHUNK;

  /** Per-class metrics. */
  public record ClassMetrics(String name, double precision, double recall, double f1, int support) {}

  /** Classifies all {@code images} in batches and compares with their labels. */
  public static Evaluation run(BatchClassifier classifier, LabelledImages images, List<String> classNames) {
    int classes = classNames.size();
    int[][] confusion = new int[classes][classes];
    int[] predicted = new int[images.size()];
    float[] confidences = new float[images.size()];
    for (int from = 0; from < images.size(); from += BATCH_SIZE) {
      int to = Math.min(images.size(), from + BATCH_SIZE);
      List<Prediction> predictions = classifier.classify(images.images(from, to));
      for (int i = from; i < to; i++) {
        Prediction prediction = predictions.get(i - from);
        predicted[i] = prediction.label();
        confidences[i] = prediction.confidence();
        confusion[images.label(i)][predicted[i]]++;
      }
    }
    return new Evaluation(List.copyOf(classNames), confusion, predicted, confidences);
  }

  public int total() {
    return predictedLabels.length;
  }

  public int correct() {
    int correct = 0;
    for (int c = 0; c < confusion.length; c++) {
      correct += confusion[c][c];
    }
    return correct;
  }

  public double accuracy() {
    return total() == 0 ? 0 : (double) correct() / total();
  }

  public List<ClassMetrics> perClass() {
    List<ClassMetrics> metrics = new ArrayList<>(confusion.length);
    for (int c = 0; c < confusion.length; c++) {
      int truePositives = confusion[c][c];
      int actual = 0;
      int predicted = 0;
      for (int k = 0; k < confusion.length; k++) {
        actual += confusion[c][k];
        predicted += confusion[k][c];
      }
      double precision = predicted == 0 ? 0 : (double) truePositives / predicted;
      double recall = actual == 0 ? 0 : (double) truePositives / actual;
      double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
      metrics.add(new ClassMetrics(classNames.get(c), precision, recall, f1, actual));
    }
    return metrics;
  }

  /** A fixed-width table of per-class metrics and the accuracy, for the terminal. */
  public String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("%-12s %9s %9s %9s %8s%n", "class", "precision", "recall", "f1", "support"));
    for (ClassMetrics m : perClass()) {
      out.append(String.format("%-12s %9.4f %9.4f %9.4f %8d%n", m.name(), m.precision(), m.recall(), m.f1(), m.support()));
    }
    out.append(String.format("%-12s %29.4f %8d%n", "accuracy", accuracy(), total()));
    return out.toString();
  }
}
