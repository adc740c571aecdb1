package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Calibration;
import java.util.Optional;
import java.util.function.Supplier;

/** Where the micro-batchers get their current {@link ModelLineup} from; closed after Kafka Streams. */
interface ModelSource extends Supplier<ModelLineup>, AutoCloseable {

  @Override
  void close();

  /** The versions in service now (null where only the classifiers know theirs). */
  default ModelVersions versions() {
    ModelLineup lineup = get();
    return new ModelVersions(lineup.active().version(),
        lineup.shadow() == null ? null : lineup.shadow().version());
  }

  /**
   * The calibration of model {@code version} when it is in service and its bundle has one (the model-health
   * figures' reference).
   */
  default Optional<Calibration> calibration(String version) {
    ModelLineup lineup = get();
    for (ServedModel model : new ServedModel[] {lineup.active(), lineup.shadow()}) {
      if (model != null && version.equals(model.version()) && model.calibration() != null) {
        return Optional.of(model.calibration());
      }
    }
    return Optional.empty();
  }

  /**
   * Why the models in service are not what the model repository's pointers name (a pointed-at bundle was refused,
   * and the last good one serves instead), one line per pointer; empty when they are, or when nothing is watched.
   */
  default Optional<String> divergence() {
    return Optional.empty();
  }

  /** Classifiers from {@code classifiers} for the app's whole life. */
  static ModelSource fixed(Supplier<BatchClassifier> classifiers) {
    return of(ServedModel.fixed(classifiers));
  }

  /** One model for the app's whole life, retired (and so closed once unused) with the source. */
  static ModelSource of(ServedModel model) {
    ModelLineup lineup = new ModelLineup(model, null);
    return new ModelSource() {
      @Override
      public ModelLineup get() {
        return lineup;
      }

      @Override
      public void close() {
        model.retire();
      }
    };
  }
}
