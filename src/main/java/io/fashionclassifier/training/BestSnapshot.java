package io.fashionclassifier.training;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a copy of the parameters of the epoch with the best validation accuracy and puts it back when training
 * ends (the trainer is closed), so the model saved afterwards is that epoch's, however training stopped.
 */
final class BestSnapshot extends TrainingListenerAdapter {

  private static final Logger log = LoggerFactory.getLogger(BestSnapshot.class);

  private NDManager manager;
  private List<NDArray> best;
  private int bestEpoch;
  private double bestAccuracy = -1;
  private int epochs;

  @Override
  public void onEpoch(Trainer trainer) {
    epochs++;
    double accuracy = EpochLog.validationAccuracy(trainer);
    if (accuracy > bestAccuracy) {
      bestAccuracy = accuracy;
      bestEpoch = epochs;
      if (manager != null) {
        manager.close();
      }
      manager = trainer.getModel().getNDManager().newSubManager();
      best = snapshot(trainer.getModel(), manager);
    }
  }

  @Override
  public void onTrainingEnd(Trainer trainer) {
    if (best == null) {
      return;
    }
    if (bestEpoch != epochs) {
      log.info("Restoring the parameters of epoch {} (best validation accuracy {})", bestEpoch, bestAccuracy);
      restore(trainer.getModel(), best);
    }
    manager.close();
    manager = null;
    best = null;
  }

  /** 1-based epoch whose parameters are kept; 0 before the first epoch ends. */
  int bestEpoch() {
    return bestEpoch;
  }

  /** Validation accuracy of that epoch; -1 before the first epoch ends. */
  double bestAccuracy() {
    return bestAccuracy;
  }

  /** Copies of all parameters (batch-norm running statistics included), owned by {@code manager}. */
  static List<NDArray> snapshot(Model model, NDManager manager) {
    List<NDArray> copies = new ArrayList<>();
    for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
      NDArray copy = parameter.getValue().getArray().duplicate();
      copy.attach(manager);
      copies.add(copy);
    }
    return copies;
  }

  static void restore(Model model, List<NDArray> snapshot) {
    int i = 0;
    for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
      snapshot.get(i++).copyTo(parameter.getValue().getArray());
    }
  }
}
