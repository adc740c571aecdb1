package io.fashionclassifier.streaming;

import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.ModelHealth;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Label-free model health (docs/model-health.md), downstream of the verdicts:
 *
 * <pre>
 * verdicts -> health sample (scanner, warehouse, model version, top-3, capture and classified time)
 *   -> repartition into one partition (model-health-samples), so one task sees every verdict
 *   -> HealthWindows: per SCANNER, WAREHOUSE and MODEL scope and model version, tumbling windows of the
 *      classifier's clock (the accuracy window size), sums in the changelogged store model-health-windows;
 *      at close (end + grace): figure, drift against the bundle's reference, alarm streaks (model-health-scopes)
 *   -> model-health (WINDOW, ALARM and CLEAR records)
 * </pre>
 *
 * <p>Windows are on the classified time rather than the capture time, so that a scanner whose clock is wrong is
 * still seen, with its skew and the verdicts its capture times leave out of the accuracy windows.
 */
public final class HealthTopology {

  static final String SAMPLES_TOPIC = "model-health-samples";
  static final String WINDOWS_STORE = "model-health-windows";
  static final String SCOPES_STORE = "model-health-scopes";
  static final String ADMITTED_STORE = "model-health-admitted-ids";
  static final String CLOCK_STORE = "model-health-clock";

  private HealthTopology() {}

  /**
   * The health figures' own settings; window size, grace, future skew and the bound of distinct ids are the
   * accuracy figures'.
   *
   * @param enabled whether the health figures are computed at all
   * @param minItems fewest verdicts a window needs for its signals to be judged
   * @param alarmWindows consecutive judged windows over a threshold that raise an alarm, and within it that clear it
   * @param psiThreshold PSI of the class mix or of the confidence histogram at which a window is over
   * @param lowMarginIncrease increase of the low-margin share over the reference at which a window is over
   * @param accuracyDrop drop of the estimated accuracy below the reference's at which a window is over
   * @param maxSkew mean classified-minus-capture time (either way) at which a window is over
   * @param leftOutShare share of verdicts left out of the accuracy windows at which a window is over
   */
  public record Settings(boolean enabled, String topic, int minItems, int alarmWindows, double psiThreshold,
      double lowMarginIncrease, double accuracyDrop, Duration maxSkew, double leftOutShare) {}

  /**
   * Adds the health figures of {@code verdicts} to {@code builder}.
   *
   * @param calibrations the calibration of a model version, when its bundle has one
   */
  static void addTo(StreamsBuilder builder, KStream<String, ClassifiedItem> verdicts, Settings settings,
      ClassifierTopology.Settings accuracy, Serde<ModelHealth> serde,
      Function<String, Optional<Calibration>> calibrations, MeterRegistry registry) {
    // in memory, changelogged: bounded by the ids admitted, restored in moments
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(WINDOWS_STORE),
        Serdes.String(), JsonStoreSerde.of(HealthWindow.class)).withLoggingEnabled(Map.of()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SCOPES_STORE),
        Serdes.String(), JsonStoreSerde.of(HealthAlarms.class)).withLoggingEnabled(Map.of()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ADMITTED_STORE),
        Serdes.String(), Serdes.Long()).withLoggingEnabled(Map.of()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CLOCK_STORE),
        Serdes.String(), Serdes.Long()).withLoggingEnabled(Map.of()).withCachingEnabled());
    verdicts
        .mapValues(HealthSample::of, Named.as("health-sample"))
        .repartition(Repartitioned.<String, HealthSample>as(SAMPLES_TOPIC)
            .withKeySerde(Serdes.String())
            .withValueSerde(HealthSample.SERDE)
            .withNumberOfPartitions(1))
        .process(() -> new HealthWindows(settings, accuracy, calibrations, registry), Named.as("health-windows"),
            WINDOWS_STORE, SCOPES_STORE, ADMITTED_STORE, CLOCK_STORE)
        .to(settings.topic(), Produced.with(Serdes.String(), serde));
  }

  /** The key of a window in {@link #WINDOWS_STORE}: its start, zero-padded so that keys sort by it, then scope. */
  static String storeKey(long windowStart, String scopeKey) {
    return storeKey(windowStart) + "|" + scopeKey;
  }

  static String storeKey(long windowStart) {
    return String.format("%019d", windowStart);
  }
}
