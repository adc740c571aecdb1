package io.fashionclassifier.streaming;

import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ModelHealth;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The model-health windows of every scope, in the one task that reads the single-partition sample topic
 * ({@link HealthTopology}): counts each verdict's sample into its SCANNER, WAREHOUSE and MODEL scopes (per model
 * version) in the tumbling window of its classified time, and, once the classifier's clock (the latest classified
 * time seen) has passed a window's end by the grace, sends its figure, judges its signals and sends the alarms and
 * clears that follow. All state is in changelogged stores, so under exactly-once a restart neither loses nor
 * double counts a verdict.
 */
final class HealthWindows implements Processor<String, HealthSample, String, ModelHealth> {

  private static final String CLASSIFIED_TIME = "classified";
  private static final String COUNTED_TIME = "counted";

  private final HealthTopology.Settings settings;
  private final long windowMillis;
  private final long graceMillis;
  private final long maxFutureSkewMillis;
  private final int maxKeys;
  private final Function<String, Optional<Calibration>> calibrations;
  private final Map<String, Calibration> known = new HashMap<>();
  private final MeterRegistry registry;
  private final Map<AggregateScope, Counter> overflow = new EnumMap<>(AggregateScope.class);
  private ModelHealthGauges gauges;
  private ProcessorContext<String, ModelHealth> context;
  private KeyValueStore<String, HealthWindow> windows;
  private KeyValueStore<String, HealthAlarms> scopes;
  private KeyValueStore<String, Long> admitted;
  private KeyValueStore<String, Long> clock;
  /**
   * The latest window start closed by this instance of the processor: windows close at most once per window
   * length, so the store is scanned only then (and once after a restart, when this starts unknown).
   */
  private long closedThrough = Long.MIN_VALUE;

  HealthWindows(HealthTopology.Settings settings, ClassifierTopology.Settings accuracy,
      Function<String, Optional<Calibration>> calibrations, MeterRegistry registry) {
    this.settings = settings;
    this.windowMillis = accuracy.window().toMillis();
    this.graceMillis = accuracy.windowGrace().toMillis();
    this.maxFutureSkewMillis = accuracy.maxFutureSkew().toMillis();
    this.maxKeys = accuracy.maxKeysPerScope();
    this.calibrations = calibrations;
    this.registry = registry;
    for (AggregateScope scope : AdmittedIds.BOUNDED) {
      overflow.put(scope, Counter.builder("fashion.health.overflow")
          .description("Verdicts whose health figures count under <scope>:" + AccuracyAggregates.OVERFLOW_KEY
              + " because their scope had reached its bound of distinct ids")
          .tag("scope", scope.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
  }

  @Override
  public void init(ProcessorContext<String, ModelHealth> context) {
    this.context = context;
    windows = context.getStateStore(HealthTopology.WINDOWS_STORE);
    scopes = context.getStateStore(HealthTopology.SCOPES_STORE);
    admitted = context.getStateStore(HealthTopology.ADMITTED_STORE);
    clock = context.getStateStore(HealthTopology.CLOCK_STORE);
    gauges = new ModelHealthGauges(registry);
  }

  @Override
  public void process(Record<String, HealthSample> record) {
    HealthSample sample = record.value();
    if (sample == null) {
      return;
    }
    long classified = sample.classifiedTime();
    long counted = sample.captureTime() - classified > maxFutureSkewMillis ? classified : sample.captureTime();
    long latestCounted = advance(COUNTED_TIME, counted);
    // as the accuracy windows judge it: the capture window had closed (end + grace) by the latest capture time
    boolean leftOut = windowStart(counted) + windowMillis + graceMillis <= latestCounted;
    Long before = clock.get(CLASSIFIED_TIME);
    long streamTime = advance(CLASSIFIED_TIME, classified);
    long start = windowStart(classified);
    if (before != null && start + windowMillis + graceMillis <= before) {
      // its window is closed and sent already: count it in the open one rather than send that window twice
      start = windowStart(streamTime);
    }
    Calibration calibration = calibration(sample.modelVersion());
    count(AggregateScope.MODEL, AccuracyAggregates.key(AggregateScope.MODEL, sample.modelVersion()), sample,
        calibration, start, leftOut);
    count(AggregateScope.SCANNER, admit(AggregateScope.SCANNER, sample.scannerId()), sample, calibration, start,
        leftOut);
    count(AggregateScope.WAREHOUSE, admit(AggregateScope.WAREHOUSE, sample.warehouseId()), sample, calibration,
        start, leftOut);
    long due = windowStart(streamTime - windowMillis - graceMillis);
    if (due > closedThrough) {
      close(due, streamTime);
      closedThrough = due;
    }
  }

  private long advance(String which, long time) {
    Long current = clock.get(which);
    if (current == null || time > current) {
      clock.put(which, time);
      return time;
    }
    return current;
  }

  private long windowStart(long time) {
    return time - Math.floorMod(time, windowMillis);
  }

  private String admit(AggregateScope scope, String id) {
    String scopeKey = AccuracyAggregates.key(scope, id);
    String admittedKey = AdmittedIds.admit(admitted, scopeKey, maxKeys);
    if (!admittedKey.equals(scopeKey)) {
      overflow.get(scope).increment();
    }
    return admittedKey;
  }

  private void count(AggregateScope scope, String scopeKey, HealthSample sample, Calibration calibration,
      long start, boolean leftOut) {
    String storeKey = HealthTopology.storeKey(start, scopeKey + "/" + sample.modelVersion());
    HealthWindow window = windows.get(storeKey);
    if (window == null) {
      String id = AccuracyAggregates.unescape(scopeKey.substring(scopeKey.indexOf(':') + 1));
      window = HealthWindow.empty(scope.name(), id, sample.modelVersion(), start, calibration);
    }
    windows.put(storeKey, window.add(sample, calibration, leftOut));
  }

  /** Sends and forgets the windows that started at or before {@code lastStart}, oldest first. */
  private void close(long lastStart, long now) {
    List<KeyValue<String, HealthWindow>> closing = new ArrayList<>();
    try (KeyValueIterator<String, HealthWindow> due =
        windows.range(HealthTopology.storeKey(0), HealthTopology.storeKey(lastStart + 1))) {
      due.forEachRemaining(closing::add);
    }
    for (KeyValue<String, HealthWindow> entry : closing) {
      send(entry.key.substring(entry.key.indexOf('|') + 1), entry.value, now);
      windows.delete(entry.key);
    }
  }

  private void send(String scopeKey, HealthWindow window, long now) {
    Calibration calibration = calibration(window.modelVersion());
    HealthFigures.Judged judged = HealthFigures.judge(window, calibration, settings, windowMillis, now);
    HealthAlarms alarms = scopes.get(scopeKey);
    HealthAlarms.Update update = (alarms == null ? HealthAlarms.none() : alarms).judge(judged.signals(), settings);
    scopes.put(scopeKey, update.alarms());
    ModelHealth figure = judged.figure()
        .setOverThreshold(update.overThreshold())
        .setAlarms(update.alarms().alarmed())
        .build();
    context.forward(new Record<>(scopeKey + "@" + window.windowStart(), figure, now));
    gauges.show(figure);
    for (HealthAlarms.Transition transition : update.transitions()) {
      ModelHealth change = ModelHealth.newBuilder(figure)
          .setKind(transition.kind())
          .setSignal(transition.signal().name())
          .setValue(transition.value())
          .setThreshold(transition.threshold())
          .setWindows(transition.windows())
          .setUpdatedTime(Instant.ofEpochMilli(now))
          .build();
      context.forward(new Record<>(scopeKey, change, now));
    }
  }

  private Calibration calibration(String version) {
    Calibration calibration = known.get(version);
    if (calibration == null) {
      calibration = calibrations.apply(version).orElse(null);
      if (calibration != null) {
        known.put(version, calibration);
      }
    }
    return calibration;
  }

  @Override
  public void close() {
    if (gauges != null) {
      gauges.close();
    }
  }
}
