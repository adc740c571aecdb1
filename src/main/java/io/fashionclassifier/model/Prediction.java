package io.fashionclassifier.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The model's output for one image: softmax probabilities over the ten classes, in dataset label order.
 *
 * @param probabilities ten probabilities summing to 1; index = Fashion-MNIST label
 */
public record Prediction(float[] probabilities) {

  /** One candidate label with its probability. */
  public record Score(int label, float probability) {}

  public Prediction {
    probabilities = probabilities.clone();
  }

  /** The most probable label (0-9). */
  public int label() {
    int best = 0;
    for (int i = 1; i < probabilities.length; i++) {
      if (probabilities[i] > probabilities[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Probability of {@link #label()}. */
  public float confidence() {
    return probabilities[label()];
  }

  /** The k most probable labels, most probable first. */
  public List<Score> topK(int k) {
    List<Score> scores = new ArrayList<>(probabilities.length);
    for (int i = 0; i < probabilities.length; i++) {
      scores.add(new Score(i, probabilities[i]));
    }
    scores.sort(Comparator.comparingDouble(Score::probability).reversed());
    return List.copyOf(scores.subList(0, Math.min(k, scores.size())));
  }

  @Override
  public float[] probabilities() {
    return probabilities.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Prediction p && Arrays.equals(probabilities, p.probabilities);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(probabilities);
  }

  @Override
  public String toString() {
    return "Prediction[label=" + label() + ", confidence=" + confidence() + "]";
  }
}
