package io.fashionclassifier.streaming;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * What the probes answer, as gauges: Prometheus scrapes every pod, ready or not, so alerts and dashboards see a pod
 * that is not ready, in a registry outage or stuck without depending on the cluster's own metrics.
 */
final class HealthGauges {

  private HealthGauges() {}

  /**
   * Registers {@code fashion_ready} (what {@code /ready} answers), {@code fashion_outage} (retrying in place during
   * a registry outage) and {@code fashion_stalled} (a stream task stuck, which fails {@code /health}): 1 or 0.
   */
  static void bind(MeterRegistry registry, BooleanSupplier ready, BooleanSupplier outage, BooleanSupplier stalled) {
    gauge(registry, "fashion.ready", "1 while /ready answers 200 (Kafka Streams RUNNING, no registry outage)", ready);
    gauge(registry, "fashion.outage", "1 while a registry outage holds the stream threads retrying in place", outage);
    gauge(registry, "fashion.stalled", "1 while a stream task is stuck (then /health fails and the pod restarts)",
        stalled);
  }

  private static void gauge(MeterRegistry registry, String name, String description, BooleanSupplier condition) {
    // strong: the registry would otherwise hold the condition weakly and report NaN once it is collected
    Gauge.builder(name, condition, c -> c.getAsBoolean() ? 1 : 0).description(description).strongReference(true)
        .register(registry);
  }
}
