package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.model.ServingReport;
import io.fashionclassifier.model.ServingReports;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the bundles a {@link ModelRepository}'s {@code active} and {@code shadow} pointers name, and follows the
 * pointers: every poll interval it reads them, and a bundle newly named is loaded and validated (manifest, content
 * hash, parameter layout, class list, input shape, a forward pass: {@link ModelBundle#load}) before a new lineup
 * is published. A bundle that fails is refused with one log line and {@code fashion_model_refused_total}, the
 * lineup in service stays, and {@code fashion_model_pointer_diverged{role}} is 1 until the pointer names a bundle
 * that is served again. A refusal of the bundle's content is remembered: the same files are not tried again until
 * they change; a failure to read them (I/O) is tried again with backoff, from one poll interval doubling to
 * {@link #MAX_RETRY_DELAY}. The micro-batchers move to a new lineup at their next batch; a model left behind is
 * closed when its last task has moved on.
 *
 * <p>At start, an {@code active} bundle that does not load is refused the same way and the classifier serves the
 * last good one instead: {@code last-good} (the bundle a classifier last took up from {@code active}, recorded in
 * the repository), else {@code previous}. It fails to start only when none of them loads.
 *
 * <p>Each watcher reports what it serves and refuses in the repository's {@code .serving/} directory
 * ({@link ServingReports}), which {@code model activate} reads; on a read-only volume it says once in the log that
 * it cannot.
 *
 * <p>Nothing a candidate does stops the watching: the poll runs on this watcher's own thread, catches whatever a
 * candidate or the file system throws (logged, counted in {@code fashion_model_watch_failures_total}), and
 * schedules the next poll whatever happened, so later rollouts are still followed.
 */
final class ModelWatcher implements ModelSource {

  private static final Logger log = LoggerFactory.getLogger(ModelWatcher.class);
  static final String ACTIVE = "active";
  static final String SHADOW = "shadow";
  /** The longest wait before a bundle that could not be read is tried again. */
  static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(5);

  private final ModelRepository repository;
  private final Optional<Boolean> flipTta;
  private final MeterRegistry registry;
  private final Duration pollInterval;
  private final Function<Path, ModelBundle> loader;
  private final ServingReports reports;
  private final String instance;
  private final ScheduledExecutorService timer;
  /** What each pointer names that is not served, by role. */
  private final Map<String, Refusal> refused = new LinkedHashMap<>();
  private volatile ModelLineup lineup;
  private volatile Map<String, Refusal> refusedView = Map.of();
  private String activeName;
  private String shadowName;
  private String activePointer;
  private String shadowPointer;
  private ServingReport lastReport;
  private Instant lastReportAt = Instant.EPOCH;
  private boolean reportFailureLogged;
  private boolean lastGoodFailureLogged;

  /**
   * A bundle a pointer names that failed, with what identifies its files then.
   *
   * @param retryAtNanos for a transient failure, when to try again ({@link System#nanoTime()})
   */
  private record Refusal(String name, String signature, String reason, boolean transientFailure, int attempts,
      long retryAtNanos) {}

  private ModelWatcher(ModelRepository repository, Optional<Boolean> flipTta, Duration pollInterval,
      MeterRegistry registry, Function<Path, ModelBundle> loader) {
    this.repository = repository;
    this.flipTta = flipTta;
    this.pollInterval = pollInterval;
    this.registry = registry;
    this.loader = loader;
    this.reports = ServingReports.of(repository);
    this.instance = instanceName();
    this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "model-watcher");
      thread.setDaemon(true);
      return thread;
    });
    for (String role : List.of(ACTIVE, SHADOW)) {
      Gauge.builder("fashion.model.pointer.diverged", this, watcher -> watcher.diverges(role) ? 1 : 0)
          .description("1 while the pointer names a bundle this classifier refused and does not serve (it serves the"
              + " last good one), 0 when it serves what the pointer names")
          .tag("role", role)
          .register(registry);
    }
  }

  /**
   * Loads the active bundle, or the last good one when it does not load (and the shadow, if one is named and
   * loads), and starts polling.
   *
   * @throws ModelBundleException when neither the active bundle nor a last good one loads: there is nothing to
   *     serve
   */
  static ModelWatcher start(ModelRepository repository, Optional<Boolean> flipTta, Duration pollInterval,
      MeterRegistry registry) {
    return start(repository, flipTta, pollInterval, registry, ModelBundle::load);
  }

  /** As {@link #start(ModelRepository, Optional, Duration, MeterRegistry)}, loading bundles with {@code loader}. */
  static ModelWatcher start(ModelRepository repository, Optional<Boolean> flipTta, Duration pollInterval,
      MeterRegistry registry, Function<Path, ModelBundle> loader) {
    ModelWatcher watcher = new ModelWatcher(repository, flipTta, pollInterval, registry, loader);
    try {
      synchronized (watcher) {
        watcher.startOn(repository.active().orElseThrow(() -> new ModelBundleException(
            repository.directory().resolve(ModelRepository.ACTIVE) + " is empty: name the bundle to serve with "
                + "'model activate NAME --models " + repository.directory() + "'")));
        watcher.followShadow();
        watcher.publishGauge();
        watcher.refusedView = Map.copyOf(watcher.refused);
        watcher.report();
      }
    } catch (RuntimeException | Error e) {
      watcher.timer.shutdownNow();
      throw e;
    }
    watcher.schedule();
    return watcher;
  }

  @Override
  public ModelLineup get() {
    return lineup;
  }

  /**
   * Why this classifier does not serve what a pointer names, if it does not: for the readiness probe's detail and
   * for people, one line per pointer.
   */
  @Override
  public Optional<String> divergence() {
    Map<String, Refusal> now = refusedView;
    if (now.isEmpty()) {
      return Optional.empty();
    }
    ModelLineup current = lineup;
    List<String> lines = new ArrayList<>();
    now.forEach((role, refusal) -> lines.add(role + " names " + refusal.name() + ", refused"
        + (refusal.transientFailure() ? " (retrying)" : "") + ": " + refusal.reason() + "; serving "
        + (ACTIVE.equals(role) ? activeNameOf(current) : Objects.requireNonNullElse(shadowVersionOf(current),
        "no shadow"))));
    return Optional.of(String.join("\n", lines));
  }

  private String activeNameOf(ModelLineup current) {
    return activeName + " (version " + current.active().version() + ")";
  }

  private static String shadowVersionOf(ModelLineup current) {
    return current.shadow() == null ? null : "version " + current.shadow().version();
  }

  private void startOn(String active) {
    activePointer = active;
    ServedModel first = load(ACTIVE, active);
    String serving = active;
    if (first == null) {
      List<String> tried = new ArrayList<>();
      tried.add(active + ": " + refused.get(ACTIVE).reason());
      for (String fallback : fallbacks(active)) {
        try {
          first = served(loader.apply(repository.bundle(fallback)));
          serving = fallback;
          break;
        } catch (VirtualMachineError e) {
          throw e;
        } catch (Throwable e) {
          tried.add(fallback + ": " + reason(e));
        }
      }
      if (first == null) {
        throw new ModelBundleException("no bundle to serve in " + repository.directory() + ": " + String.join("; ",
            tried) + "; point 'active' at a bundle that loads with 'model activate NAME' or 'model rollback'");
      }
      log.error("active model {} does not load; serving the last good model {} (version {}) instead until "
          + "'active' names one that loads", active, serving, first.version());
    }
    lineup = new ModelLineup(first, null);
    activeName = serving;
    if (serving.equals(active)) {
      recordLastGood(active);
    }
  }

  /** The bundles to serve when {@code active} does not load, best first: last-good, then previous. */
  private List<String> fallbacks(String active) {
    Set<String> names = new LinkedHashSet<>();
    for (Supplier<Optional<String>> pointer : List.<Supplier<Optional<String>>>of(repository::lastGood,
        repository::previous)) {
      try {
        pointer.get().filter(name -> !name.equals(active)).ifPresent(names::add);
      } catch (RuntimeException e) {
        log.warn("cannot read a fallback pointer in {}: {}", repository.directory(), e.getMessage());
      }
    }
    return List.copyOf(names);
  }

  /** Reads the pointers and publishes a new lineup if they changed and the bundles they name pass validation. */
  synchronized void poll() {
    try {
      Optional<String> wanted = pointer(ACTIVE, repository::active);
      if (wanted != null) {
        activePointer = wanted.orElse(null);
        if (wanted.isPresent() && !wanted.get().equals(activeName)) {
          followActive(wanted.get());
        } else {
          // empty, or back at what is served: nothing diverges any more
          forget(ACTIVE);
        }
      }
      followShadow();
      publishGauge();
    } finally {
      refusedView = Map.copyOf(refused);
      report();
    }
  }

  /** Keeps polling whatever happens: the next poll is scheduled before anything a candidate does can escape. */
  private void pollSafely() {
    try {
      poll();
    } catch (VirtualMachineError e) {
      watchFailed(e);
      throw e;
    } catch (Throwable e) {
      watchFailed(e);
    } finally {
      schedule();
    }
  }

  private void schedule() {
    try {
      timer.schedule(this::pollSafely, pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed: no more polls
    }
  }

  private void watchFailed(Throwable e) {
    log.error("reading the model pointers in {} failed: {}; still serving {}, trying again in {} ms",
        repository.directory(), e, activeName, pollInterval.toMillis());
    Counter.builder("fashion.model.watch.failures")
        .description("Polls of the model repository that failed (the models in service stayed; the next poll follows)")
        .register(registry)
        .increment();
  }

  /** The pointer {@code role}, or null when it cannot be read (refused with its reason, like a bad bundle). */
  private Optional<String> pointer(String role, Supplier<Optional<String>> read) {
    try {
      return read.get();
    } catch (RuntimeException e) {
      Path file = repository.directory().resolve(role);
      refuse(role, "(" + role + " pointer)", signature(file), e, null);
      return null;
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
    recordLastGood(name);
  }

  private void followShadow() {
    Optional<String> pointed = pointer(SHADOW, repository::shadow);
    if (pointed == null) {
      return;
    }
    shadowPointer = pointed.orElse(null);
    String wanted = pointed.filter(name -> !name.equals(activeName)).orElse(null);
    if (Objects.equals(wanted, shadowName)) {
      forget(SHADOW);
      return;
    }
    ServedModel next = wanted == null ? null : load(SHADOW, wanted);
    if (wanted != null && next == null) {
      return;
    }
    forget(SHADOW);
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

  /**
   * The bundle {@code name}, loaded and checked, or null (logged and counted) when it fails. The same files are
   * not tried again after their content was refused; after a failure to read them, not before the backoff ends.
   */
  private ServedModel load(String role, String name) {
    String signature;
    try {
      signature = signature(repository.bundle(name));
    } catch (RuntimeException e) {
      signature = name;
    }
    Refusal previous = refused.get(role);
    boolean same = previous != null && previous.name().equals(name) && previous.signature().equals(signature);
    if (same && (!previous.transientFailure() || System.nanoTime() - previous.retryAtNanos() < 0)) {
      return null;
    }
    try {
      ServedModel model = served(loader.apply(repository.bundle(name)));
      forget(role);
      return model;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      refuse(role, name, signature, e, same ? previous : null);
      return null;
    }
  }

  private void refuse(String role, String name, String signature, Throwable e, Refusal previous) {
    String reason = reason(e);
    boolean transientFailure = isTransient(e);
    Refusal last = refused.get(role);
    if (!transientFailure && last != null && last.name().equals(name) && last.signature().equals(signature)
        && last.reason().equals(reason)) {
      // a bad pointer is read again every poll: refused (and counted) once, until it changes
      return;
    }
    int attempts = previous != null && previous.transientFailure() ? previous.attempts() + 1 : 1;
    Duration delay = retryDelay(attempts);
    refused.put(role, new Refusal(name, signature, reason, transientFailure, attempts,
        System.nanoTime() + delay.toNanos()));
    log.error("refused {} model {}: {}; still serving {}{}", role, name, reason,
        ACTIVE.equals(role) ? activeName : Objects.requireNonNullElse(shadowName, "no shadow"),
        transientFailure ? "; reading it failed, trying again in " + delay.toMillis() + " ms"
            : "; not tried again until its files change");
    Counter.builder("fashion.model.refused")
        .description("Bundles named by a pointer that failed validation; the models in service were kept")
        .tag("role", role)
        .register(registry)
        .increment();
  }

  private void forget(String role) {
    refused.remove(role);
  }

  /** From one poll interval, doubling with each failed attempt, up to {@link #MAX_RETRY_DELAY}. */
  private Duration retryDelay(int attempts) {
    Duration delay = pollInterval.multipliedBy(1L << Math.min(attempts - 1, 20));
    return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
  }

  /** A failure to read the files (worth another try), rather than a refusal of what they hold. */
  private static boolean isTransient(Throwable e) {
    if (e instanceof ModelBundleException bundle) {
      return bundle.isTransient();
    }
    return e instanceof UncheckedIOException;
  }

  private static String reason(Throwable e) {
    String message = e instanceof ModelBundleException ? e.getMessage() : e.toString();
    message = String.valueOf(message);
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private void recordLastGood(String name) {
    try {
      repository.recordLastGood(name);
      lastGoodFailureLogged = false;
    } catch (RuntimeException e) {
      if (!lastGoodFailureLogged) {
        log.warn("cannot record {} as the last good model in {} ({}); after a restart with a bad 'active', this "
            + "classifier falls back to 'previous' only", name, repository.directory(), e.getMessage());
        lastGoodFailureLogged = true;
      }
    }
  }

  private ServedModel served(ModelBundle bundle) {
    Supplier<BatchClassifier> classifiers = flipTta
        .<Supplier<BatchClassifier>>map(flip -> () -> bundle.newClassifier(flip))
        .orElse(bundle::newClassifier);
    return new ServedModel(bundle.version(), classifiers, bundle, bundle.calibration().orElse(null));
  }

  /** What changes when the bundle's files do: names, sizes and modification times. */
  private static String signature(Path bundle) {
    StringBuilder signature = new StringBuilder(bundle.toString());
    try {
      if (!Files.isDirectory(bundle)) {
        return signature.append('|').append(Files.exists(bundle) ? Files.size(bundle) + ":"
            + Files.getLastModifiedTime(bundle).toMillis() : "absent").toString();
      }
      try (var files = Files.list(bundle)) {
        for (Path file : files.sorted().toList()) {
          signature.append('|').append(file.getFileName()).append(':').append(Files.size(file)).append(':')
              .append(Files.getLastModifiedTime(file).toMillis());
        }
      }
    } catch (IOException | UncheckedIOException e) {
      signature.append("|unreadable");
    }
    return signature.toString();
  }

  /** Writes this classifier's serving report when it changed, or when the heartbeat is due. */
  private void report() {
    ModelLineup current = lineup;
    List<ServingReport.Refusal> refusals = new ArrayList<>();
    refused.forEach((role, refusal) -> refusals.add(new ServingReport.Refusal(role, refusal.name(), refusal.reason(),
        refusal.transientFailure())));
    ServingReport report = new ServingReport(instance, null, activePointer, shadowPointer,
        new ServingReport.Served(activeName, current.active().version()),
        current.shadow() == null ? null : new ServingReport.Served(shadowName, current.shadow().version()),
        refusals.isEmpty() ? null : refusals);
    Instant now = Instant.now();
    if (report.equals(lastReport) && now.isBefore(lastReportAt.plus(ServingReports.HEARTBEAT))) {
      return;
    }
    lastReport = report;
    lastReportAt = now;
    try {
      reports.write(report.at(now.toString()));
      reportFailureLogged = false;
    } catch (RuntimeException e) {
      if (!reportFailureLogged) {
        log.warn("cannot write this classifier's serving report ({}); 'model activate' cannot confirm what it "
            + "serves, see fashion_model_serving instead", e.getMessage());
        reportFailureLogged = true;
      }
    }
  }

  private boolean diverges(String role) {
    return refusedView.containsKey(role);
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

  /** This process in the serving reports: host name and process id, which tell instances apart on one volume. */
  private static String instanceName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown-host";
    }
    String name = (host + "-" + ProcessHandle.current().pid()).replaceAll("[^A-Za-z0-9._-]", "_");
    return name.length() > 120 ? name.substring(0, 120) : name;
  }

  /** The name this watcher's serving report has. */
  String instance() {
    return instance;
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
      try {
        reports.remove(instance);
      } catch (RuntimeException e) {
        log.debug("cannot remove the serving report of {}: {}", instance, e.getMessage());
      }
    }
  }
}
