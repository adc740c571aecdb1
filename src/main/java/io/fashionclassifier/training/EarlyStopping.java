package io.fashionclassifier.training;

import ai.djl.training.Trainer;
import ai.djl.training.listener.EarlyStoppingListener.EarlyStoppedException;
import ai.djl.training.listener.TrainingListenerAdapter;

/**
 * Stops training after {@code patience} epochs in a row without a better validation accuracy. DJL's own
 * {@code EarlyStoppingListener} watches a metric that should fall (a loss); the epoch kept is chosen on accuracy
 * here, so stopping follows the same figure. It stops the same way, by throwing {@link EarlyStoppedException}.
 */
final class EarlyStopping extends TrainingListenerAdapter {

  static final String STOP_REASON = "early stopping";

  private final int patience;
  private double best = Double.NEGATIVE_INFINITY;
  private int epochs;
  private int epochsWithoutImprovement;

  EarlyStopping(int patience) {
    this.patience = patience;
  }

  @Override
  public void onEpoch(Trainer trainer) {
    epochEnded(EpochLog.validationAccuracy(trainer));
  }

  /** Records an epoch's validation accuracy; throws when patience has run out. */
  void epochEnded(double validationAccuracy) {
    epochs++;
    if (validationAccuracy > best) {
      best = validationAccuracy;
      epochsWithoutImprovement = 0;
    } else if (++epochsWithoutImprovement >= patience) {
      throw new EarlyStoppedException(epochs, STOP_REASON);
    }
  }
}
