package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.ModelRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the bundles a {@link ModelRepository}'s {@code active} and {@code shadow} pointers name, and follows the
 * pointers: every poll interval it reads them, and a bundle newly named is loaded and validated (manifest, content
 * hash, class list, input shape, a forward pass: {@link ModelBundle#load}) before a new lineup is published. A
 * bundle that fails is refused with one log line and {@code fashion_model_refused_total}, and the lineup in
 * service stays; the same files are not tried again until they change. The micro-batchers move to a new lineup at
 * their next batch; a model left behind is closed when its last task has moved on.
 *
 * <p>Loading runs on this watcher's own thread, next to inference on the stream threads.
 */
final class ModelWatcher implements ModelSource {

  private static final Logger log = LoggerFactory.getLogger(ModelWatcher.class);
  static final String ACTIVE = "active";
  static final String SHADOW = "shadow";

  private final ModelRepository repository;
  private final Optional<Boolean> flipTta;
  private final MeterRegistry registry;
  private final ScheduledExecutorService timer;
  /** Signature of the files last refused, per role: the same files are not loaded (and logged) again. */
  private final Map<String, String> refused = new HashMap<>();
  private volatile ModelLineup lineup;
  private String activeName;
  private String shadowName;

  private ModelWatcher(ModelRepository repository, Optional<Boolean> flipTta, MeterRegistry registry) {
    this.repository = repository;
    this.flipTta = flipTta;
    this.registry = registry;
    this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "model-watcher");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Loads the active bundle (and the shadow, if one is named and loads) and starts polling.
   *
   * @throws ModelBundleException when the active bundle is missing or fails validation:
   *     there is nothing to serve
   */
  static ModelWatcher start(ModelRepository repository, Optional<Boolean> flipTta, Duration pollInterval,
      MeterRegistry registry) {
    ModelWatcher watcher = new ModelWatcher(repository, flipTta, registry);
    String active = repository.active().orElseThrow(() -> new ModelBundleException(
        repository.directory().resolve(ModelRepository.ACTIVE) + " is empty: name the bundle to serve with "
            + "'model activate NAME --models " + repository.directory() + "'"));
    ServedModel first = watcher.served(ModelBundle.load(repository.bundle(active)));
    synchronized (watcher) {
      watcher.lineup = new ModelLineup(first, null);
      watcher.activeName = active;
      watcher.followShadow();
      watcher.publishGauge();
    }
    watcher.timer.scheduleWithFixedDelay(watcher::pollQuietly, pollInterval.toMillis(), pollInterval.toMillis(),
        TimeUnit.MILLISECONDS);
    return watcher;
  }

  @Override
  public ModelLineup get() {
    return lineup;
  }

  /** Reads the pointers and publishes a new lineup if they changed and the bundles they name pass validation. */
  synchronized void poll() {
    Optional<String> wanted = repository.active();
    if (wanted.isPresent() && !wanted.get().equals(activeName)) {
      followActive(wanted.get());
    }
    followShadow();
    publishGauge();
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException e) {
      // a bad pointer or an unreadable directory must not stop the watching
      log.warn("reading the model pointers in {} failed: {}", repository.directory(), e.toString());
    }
  }

  private void followActive(String name) {
    ModelLineup current = lineup;
    ServedModel next;
    if (name.equals(shadowName)) {
      // promoting the shadow: it is loaded and checked already
      next = current.shadow();
      shadowName = null;
      current = new ModelLineup(current.active(), null);
    } else {
      next = load(ACTIVE, name);
      if (next == null) {
        return;
      }
    }
    lineup = new ModelLineup(next, current.shadow());
    log.info("active model is now {} (version {}), was {} (version {}); tasks switch at their next batch",
        name, next.version(), activeName, current.active().version());
    activeName = name;
    current.active().retire();
    swapped(ACTIVE);
  }

  private void followShadow() {
    String wanted = repository.shadow().filter(name -> !name.equals(activeName)).orElse(null);
    if (Objects.equals(wanted, shadowName)) {
      return;
    }
    ServedModel next = wanted == null ? null : load(SHADOW, wanted);
    if (wanted != null && next == null) {
      return;
    }
    ModelLineup current = lineup;
    lineup = new ModelLineup(current.active(), next);
    if (next == null) {
      log.info("shadowing of {} stopped", shadowName);
    } else {
      log.info("shadowing {} (version {}) next to the active model; inference per batch doubles", wanted,
          next.version());
    }
    shadowName = wanted;
    if (current.shadow() != null) {
      current.shadow().retire();
    }
    swapped(SHADOW);
  }

  /** The bundle {@code name}, loaded and checked, or null (logged and counted) when it fails. */
  private ServedModel load(String role, String name) {
    String signature;
    try {
      signature = signature(repository.bundle(name));
    } catch (RuntimeException e) {
      signature = name;
    }
    if (signature.equals(refused.get(role))) {
      return null;
    }
    try {
      ServedModel model = served(ModelBundle.load(repository.bundle(name)));
      refused.remove(role);
      return model;
    } catch (RuntimeException e) {
      refused.put(role, signature);
      log.error("refused {} model {}: {}; still serving {}", role, name, e.getMessage(),
          ACTIVE.equals(role) ? activeName : Objects.requireNonNullElse(shadowName, "no shadow"));
      Counter.builder("fashion.model.refused")
          .description("Bundles named by a pointer that failed validation; the models in service were kept")
          .tag("role", role)
          .register(registry)
          .increment();
      return null;
    }
  }

  private ServedModel served(ModelBundle bundle) {
    Supplier<BatchClassifier> classifiers = flipTta
        .<Supplier<BatchClassifier>>map(flip -> () -> bundle.newClassifier(flip))
        .orElse(bundle::newClassifier);
    return new ServedModel(bundle.version(), classifiers, bundle);
  }

  /** What changes when the bundle's files do: names, sizes and modification times. */
  private static String signature(Path bundle) {
    StringBuilder signature = new StringBuilder(bundle.toString());
    try (var files = Files.list(bundle)) {
      for (Path file : files.sorted().toList()) {
        signature.append('|').append(file.getFileName()).append(':').append(Files.size(file)).append(':')
            .append(Files.getLastModifiedTime(file).toMillis());
      }
    } catch (IOException e) {
      signature.append("|unreadable");
    }
    return signature.toString();
  }

  private void swapped(String role) {
    Counter.builder("fashion.model.swaps")
        .description("Times a new model version was put in service, by role")
        .tag("role", role)
        .register(registry)
        .increment();
  }

  /** One gauge per version and role ever served here: 1 while it is, 0 after. */
  private void publishGauge() {
    ModelLineup current = lineup;
    gauge(ACTIVE, current.active().version());
    if (current.shadow() != null) {
      gauge(SHADOW, current.shadow().version());
    }
  }

  private void gauge(String role, String version) {
    Gauge.builder("fashion.model.serving", this, watcher -> watcher.serves(role, version) ? 1 : 0)
        .description("1 for each model version in service, by role (active, shadow); 0 for versions served before")
        .tags("role", role, "model_version", version)
        .register(registry);
  }

  private boolean serves(String role, String version) {
    ModelLineup current = lineup;
    ServedModel model = ACTIVE.equals(role) ? current.active() : current.shadow();
    return model != null && version.equals(model.version());
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      lineup.active().retire();
      if (lineup.shadow() != null) {
        lineup.shadow().retire();
      }
    }
  }
}
