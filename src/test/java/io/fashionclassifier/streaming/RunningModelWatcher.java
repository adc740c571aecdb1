package io.fashionclassifier.streaming;

import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The model watcher of a running classifier, for tests outside this package (the {@code model} command's): it
 * polls a repository on its own thread and writes its serving report there, as in a classifier.
 */
public final class RunningModelWatcher implements AutoCloseable {

  private final ModelWatcher watcher;

  private RunningModelWatcher(ModelWatcher watcher) {
    this.watcher = watcher;
  }

  /** Watches {@code repository}, loading bundles with {@code loader} (ModelBundle::load in a classifier). */
  public static RunningModelWatcher start(Path repository, Duration pollInterval,
      Function<Path, ModelBundle> loader) {
    return new RunningModelWatcher(ModelWatcher.start(ModelRepository.at(repository), Optional.empty(), pollInterval,
        new SimpleMeterRegistry(), loader));
  }

  /** The version whose verdicts would be published now. */
  public String activeVersion() {
    return watcher.get().active().version();
  }

  /** The name its serving report has. */
  public String instance() {
    return watcher.instance();
  }

  @Override
  public void close() {
    watcher.close();
  }
}
