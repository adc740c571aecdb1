package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthServerTest {

  private final AtomicReference<State> state = new AtomicReference<>(State.REBALANCING);
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HealthServer server = HealthServer.start(0, state::get, registry);
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void readyOnlyWhileRunning() throws Exception {
    assertThat(status("/ready")).isEqualTo(503);
    state.set(State.RUNNING);
    assertThat(status("/ready")).isEqualTo(200);
  }

  @Test
  void aliveUnlessKafkaStreamsHasFailed() throws Exception {
    assertThat(status("/health")).as("rebalancing is alive").isEqualTo(200);
    state.set(State.ERROR);
    assertThat(status("/health")).isEqualTo(503);
  }

  @Test
  void metricsAreInPrometheusTextFormat() throws Exception {
    new ClassifierMetrics(registry).recordsOut(3);
    HttpResponse<String> response = get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(response.body()).contains("# TYPE fashion_records_out_total counter", "fashion_records_out_total 3.0");
  }

  private int status(String path) throws Exception {
    return get(path).statusCode();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
