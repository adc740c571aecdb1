package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.model.Prediction;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model version that tasks take classifiers from. Each task holds its own classifier (DJL predictors are not
 * thread-safe) until it moves on to another version at a batch boundary; the model itself (native memory) is
 * closed once it has been {@link #retire retired} and the last task has given its classifier back, so no
 * predictor is ever closed under a batch.
 */
final class ServedModel {

  private static final Logger log = LoggerFactory.getLogger(ServedModel.class);

  private final String version;
  private final Supplier<BatchClassifier> classifiers;
  private final AutoCloseable resources;
  private final Calibration calibration;
  private int leases;
  private boolean retired;
  private boolean closed;

  /**
   * @param version the version the classifiers report, or null when only they know it
   * @param classifiers makes one classifier per call
   * @param resources closed after retirement and the last release (the loaded bundle), or null
   */
  ServedModel(String version, Supplier<BatchClassifier> classifiers, AutoCloseable resources) {
    this(version, classifiers, resources, null);
  }

  /** @param calibration the bundle's calibration, or null when it has none */
  ServedModel(String version, Supplier<BatchClassifier> classifiers, AutoCloseable resources,
      Calibration calibration) {
    this.version = version;
    this.classifiers = classifiers;
    this.resources = resources;
    this.calibration = calibration;
  }

  /** The bundle's calibration (model-health reference), or null. */
  Calibration calibration() {
    return calibration;
  }

  /** Classifiers from {@code classifiers}, never retired (a model given to the app rather than watched). */
  static ServedModel fixed(Supplier<BatchClassifier> classifiers) {
    return new ServedModel(null, classifiers, null);
  }

  /** The version, or null when it is known only from the classifiers. */
  String version() {
    return version;
  }

  /**
   * A classifier of this version for one task, to be closed by it; null when the version has been retired and
   * closed meanwhile (a newer lineup is then already published).
   */
  synchronized BatchClassifier lease() {
    if (closed) {
      return null;
    }
    BatchClassifier classifier = classifiers.get();
    leases++;
    return new Leased(classifier);
  }

  /** No task takes a new classifier of it any more; it is closed when the last one is given back. */
  synchronized void retire() {
    retired = true;
    closeIfUnused();
  }

  synchronized boolean isClosed() {
    return closed;
  }

  private synchronized void release() {
    leases--;
    closeIfUnused();
  }

  private void closeIfUnused() {
    if (retired && leases == 0 && !closed) {
      closed = true;
      if (resources != null) {
        try {
          resources.close();
          log.info("model {} closed: no task uses it any more", version);
        } catch (Exception e) {
          log.warn("closing model {} failed: {}", version, e.toString());
        }
      }
    }
  }

  /** A task's classifier; closing it gives the lease back. */
  private final class Leased implements BatchClassifier {
    private final BatchClassifier delegate;
    private boolean released;

    Leased(BatchClassifier delegate) {
      this.delegate = delegate;
    }

    @Override
    public List<Prediction> classify(List<byte[]> images) {
      return delegate.classify(images);
    }

    @Override
    public String modelVersion() {
      return delegate.modelVersion();
    }

    @Override
    public void close() {
      if (released) {
        return;
      }
      released = true;
      try {
        delegate.close();
      } finally {
        release();
      }
    }
  }
}
