package io.fashionclassifier.promotion;

/**
 * One audited item that both the active model and the candidate classified: its audited class and each model's
 * label, as class indices (the dataset's labels, 0 to classes - 1).
 */
public record PairedOutcome(int truth, int active, int candidate) {

  public boolean activeCorrect() {
    return active == truth;
  }

  public boolean candidateCorrect() {
    return candidate == truth;
  }
}
