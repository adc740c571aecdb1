package io.fashionclassifier.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fashionclassifier.streaming.ClassifierMetrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's split of the latency into stages, from the classifier's histograms and the reader's view. */
class StageLatencyTest {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  StageLatencyTest() {
    new ClassifierMetrics(registry);
  }

  /** The classifier's own meter of that name: registering it again returns it. */
  private Timer meter(String name) {
    return Timer.builder(name).publishPercentileHistogram().register(registry);
  }

  private static StageLatency.Stage stage(List<StageLatency.Stage> stages, String name) {
    return stages.stream().filter(stage -> stage.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aQuantileIsInterpolatedWithinItsBucketAsPrometheusDoes() {
    Map<Double, Double> cumulative = new LinkedHashMap<>();
    cumulative.put(10.0, 50.0);
    cumulative.put(20.0, 100.0);
    cumulative.put(Double.POSITIVE_INFINITY, 100.0);

    assertThat(StageLatency.quantile(cumulative, 0.5)).isEqualTo(10.0);
    assertThat(StageLatency.quantile(cumulative, 0.99)).isCloseTo(19.8, within(1e-9));
    assertThat(StageLatency.quantile(Map.of(Double.POSITIVE_INFINITY, 0.0), 0.5)).isNaN();
  }

  @Test
  void onlyWhatTheStagesMeasuredAfterTheWarmUpCounts() {
    StageLatency stages = new StageLatency(registry);
    for (int i = 0; i < 100; i++) {
      meter("fashion.consumer.wait").record(Duration.ofSeconds(1));
    }

    stages.startCounting();
    for (int i = 0; i < 100; i++) {
      meter("fashion.consumer.wait").record(Duration.ofMillis(5));
    }

    StageLatency.Stage consumer = stage(stages.stages(), "consumer");
    assertThat(consumer.count()).isEqualTo(100);
    assertThat(consumer.p99Millis()).isBetween(4.0, 6.0);
  }

  @Test
  void theStagesComeInTheOrderARecordGoesThroughThem() {
    // the model's meter is made at the first batch, by version
    Timer.builder("fashion.inference.time").tags("model_version", "v1", "role", "active")
        .publishPercentileHistogram().register(registry).record(Duration.ofMillis(20));

    assertThat(new StageLatency(registry).stages()).extracting(StageLatency.Stage::name)
        .containsExactly("consumer", "batching", "queue to the model", "model", "commit", "reader");
  }

  @Test
  void theReaderStageRunsFromTheCommitThatMadeAVerdictVisibleToItsReading() {
    StageLatency stages = new StageLatency(registry);
    stages.startCounting();
    stages.committed(1_000, 5_000);
    stages.committed(1_000, 9_000);

    stages.seen(1_000, 5_030);
    stages.seen(2_000, 5_040);

    StageLatency.Stage reader = stage(stages.stages(), "reader");
    assertThat(reader.count()).as("the second verdict's commit is unknown").isEqualTo(1);
    assertThat(reader.p50Millis()).as("from the first commit after the verdict was sent").isEqualTo(30);
  }
}
