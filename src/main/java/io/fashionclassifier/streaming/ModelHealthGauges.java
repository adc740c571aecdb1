package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.ModelHealth;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The latest closed window of each model-health scope as Prometheus gauges ({@code fashion_health_*}, tagged
 * scope, key and model_version; docs/model-health.md). Only the instance running the single health task has them;
 * they leave the registry when that task closes, so a moved task is not reported twice.
 */
final class ModelHealthGauges implements AutoCloseable {

  private final MeterRegistry registry;
  private final Map<Tags, AtomicReference<ModelHealth>> latest = new ConcurrentHashMap<>();
  private final List<Meter> meters = new ArrayList<>();

  ModelHealthGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Shows {@code figure} (a WINDOW record) as its scope's gauges. */
  synchronized void show(ModelHealth figure) {
    Tags tags = Tags.of("scope", figure.getScope(), "key", figure.getKey(), "model_version",
        figure.getModelVersion());
    AtomicReference<ModelHealth> holder = latest.get(tags);
    if (holder == null) {
      holder = new AtomicReference<>(figure);
      latest.put(tags, holder);
      register(tags, holder);
    }
    holder.set(figure);
  }

  private void register(Tags tags, AtomicReference<ModelHealth> holder) {
    gauge("fashion.health.count", "Verdicts in the scope's latest closed window", tags, holder,
        f -> f.getCount());
    gauge("fashion.health.mean.confidence", "Mean top probability in the latest window", tags, holder,
        ModelHealth::getMeanConfidence);
    gauge("fashion.health.mean.entropy", "Mean prediction entropy (nats) in the latest window", tags, holder,
        ModelHealth::getMeanEntropy);
    gauge("fashion.health.low.margin.share", "Share of predictions whose top two are close, latest window", tags,
        holder, ModelHealth::getLowMarginShare);
    gauge("fashion.health.estimated.accuracy", "Accuracy estimated from calibrated confidence (CBPE), latest "
        + "window", tags, holder, ModelHealth::getEstimatedAccuracy);
    gauge("fashion.health.skew", "Mean classified time minus capture time (seconds), latest window", tags, holder,
        f -> f.getMeanSkewMs() / 1000);
    gauge("fashion.health.left.out", "Verdicts of the latest window that no windowed accuracy figure counts", tags,
        holder, f -> f.getLeftOut());
    drift("class_mix_psi", tags, holder, ModelHealth::getClassMixPsi);
    drift("class_mix_jsd", tags, holder, ModelHealth::getClassMixJsd);
    drift("confidence_psi", tags, holder, ModelHealth::getConfidencePsi);
    drift("confidence_jsd", tags, holder, ModelHealth::getConfidenceJsd);
    for (HealthSignal signal : HealthSignal.values()) {
      gauge("fashion.health.alarm", "1 while the scope's signal is in alarm", tags.and("signal", signal.name()),
          holder, f -> f.getAlarms().contains(signal.name()) ? 1 : 0);
    }
  }

  private void drift(String statistic, Tags tags, AtomicReference<ModelHealth> holder,
      Function<ModelHealth, Double> value) {
    gauge("fashion.health.drift", "Drift score of the latest window against the validation reference (NaN "
        + "without a calibration)", tags.and("statistic", statistic), holder, f -> {
          Double v = value.apply(f);
          return v == null ? Double.NaN : v;
        });
  }

  private void gauge(String name, String description, Tags tags, AtomicReference<ModelHealth> holder,
      ToDoubleFunction<ModelHealth> value) {
    meters.add(Gauge.builder(name, holder, h -> value.applyAsDouble(h.get()))
        .description(description).tags(tags).strongReference(true).register(registry));
  }

  @Override
  public synchronized void close() {
    meters.forEach(registry::remove);
    meters.clear();
    latest.clear();
  }
}
