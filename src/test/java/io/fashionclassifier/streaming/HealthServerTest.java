package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Tag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthServerTest {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

  private final AtomicReference<State> state = new AtomicReference<>(State.REBALANCING);
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final StreamProgress progress = new StreamProgress(Duration.ofSeconds(60), clock::get);
  private final AtomicReference<Optional<String>> divergence = new AtomicReference<>(Optional.empty());
  private final HealthServer server = HealthServer.start(
      new HealthServer.Options("127.0.0.1", 0, REQUEST_TIMEOUT), state::get, divergence::get, progress, registry);
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
  void readinessNamesAModelPointerTheClassifierDoesNotServeAndStaysReady() throws Exception {
    state.set(State.RUNNING);
    divergence.set(Optional.of("active names v3, refused: acceptance 0.41 < 0.80; serving v2 (version 2)"));

    HttpResponse<String> response = get("/ready");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .isEqualTo("RUNNING\nactive names v3, refused: acceptance 0.41 < 0.80; serving v2 (version 2)\n");
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

  @Test
  void notAliveWhileAStreamTaskIsStuck() throws Exception {
    state.set(State.RUNNING);
    StreamProgress.Task task = progress.task("0_3");
    task.working();
    clock.addAndGet(61_000);

    HttpResponse<String> response = get("/health");
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).startsWith("STALLED: task 0_3 has been working on one record or batch for 61000 ms");
  }

  @Test
  void aHalfSentRequestDoesNotHoldUpTheProbes() throws Exception {
    try (Socket slow = halfSentRequest()) {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(1)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aHalfSentRequestIsCutOffAfterTheRequestTimeout() throws Exception {
    try (Socket slow = halfSentRequest()) {
      slow.setSoTimeout(10_000);
      long started = System.nanoTime();
      int read;
      try {
        read = slow.getInputStream().read();
      } catch (SocketException reset) {
        read = -1;
      }
      Duration waited = Duration.ofNanos(System.nanoTime() - started);
      assertThat(read).as("closed by the server, no answer").isEqualTo(-1);
      assertThat(waited).isBetween(REQUEST_TIMEOUT.minusMillis(500), REQUEST_TIMEOUT.plusSeconds(3));
    }
  }

  @Test
  void listensOnTheBindAddressOnly() {
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
  }

  /** The kubelet's default probe timeout: a probe that takes longer has failed. */
  private static final Duration KUBELET_TIMEOUT = Duration.ofSeconds(2);

  @Test
  void probesAnswerWithinTheKubeletTimeoutWhileEightyConnectionsEachHoldOneByte() throws Exception {
    state.set(State.RUNNING);
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 80; i++) {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.getOutputStream().write('G');
        socket.getOutputStream().flush();
        idle.add(socket);
      }
      for (String path : List.of("/health", "/ready", "/health", "/ready")) {
        assertThat(KubeletProbe.get(server.port(), path, KUBELET_TIMEOUT)).as(path).isEqualTo(200);
      }
    } finally {
      for (Socket socket : idle) {
        socket.close();
      }
    }
  }

  @Test
  void probesAnswerWithinTheKubeletTimeoutDuringAFloodOfMetricsScrapes() throws Exception {
    state.set(State.RUNNING);
    largeScrape();
    List<Socket> unread = new ArrayList<>();
    ExecutorService scrapers = Executors.newFixedThreadPool(8);
    AtomicBoolean flooding = new AtomicBoolean(true);
    try {
      // scrapes whose answers are never read: each answer is larger than the sockets' buffers
      for (int i = 0; i < 64; i++) {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(1024);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
        socket.getOutputStream().write(
            "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        unread.add(socket);
      }
      // and scrapers that read theirs, as fast as they can
      for (int i = 0; i < 8; i++) {
        scrapers.submit(() -> {
          while (flooding.get()) {
            try {
              KubeletProbe.get(server.port(), "/metrics", Duration.ofSeconds(10));
            } catch (Exception refusedOrCut) {
              // a refused or cut-off scrape is what a flood may get; the probes are what this test is about
            }
          }
          return null;
        });
      }
      for (String path : List.of("/health", "/ready", "/health", "/ready", "/health", "/ready")) {
        assertThat(KubeletProbe.get(server.port(), path, KUBELET_TIMEOUT)).as(path).isEqualTo(200);
      }
    } finally {
      flooding.set(false);
      for (Socket socket : unread) {
        socket.close();
      }
      scrapers.shutdown();
    }
  }

  @Test
  void probesAnswerWithinTheKubeletTimeoutWhileMoreIdleConnectionsAreOpenThanTheServerKeeps() throws Exception {
    state.set(State.RUNNING);
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < HealthServer.MAX_CONNECTIONS + 100; i++) {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.getOutputStream().write('G');
        socket.getOutputStream().flush();
        idle.add(socket);
      }
      for (String path : List.of("/health", "/ready")) {
        assertThat(KubeletProbe.get(server.port(), path, KUBELET_TIMEOUT)).as(path).isEqualTo(200);
      }
    } finally {
      for (Socket socket : idle) {
        socket.close();
      }
    }
  }

  @Test
  void aClientTricklingItsRequestIsCutOffAfterTheRequestTimeout() throws Exception {
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    try (Socket slow = halfSentRequest()) {
      // a byte every 100 ms: never idle for long, never done
      trickle.scheduleAtFixedRate(() -> {
        try {
          slow.getOutputStream().write('x');
        } catch (IOException closed) {
          throw new UncheckedIOException(closed);
        }
      }, 100, 100, TimeUnit.MILLISECONDS);
      slow.setSoTimeout(10_000);
      long started = System.nanoTime();
      int read;
      try {
        read = slow.getInputStream().read();
      } catch (SocketException reset) {
        read = -1;
      }
      Duration waited = Duration.ofNanos(System.nanoTime() - started);
      assertThat(read).as("closed by the server, no answer").isEqualTo(-1);
      assertThat(waited).isLessThan(REQUEST_TIMEOUT.plusSeconds(1));
    } finally {
      trickle.shutdownNow();
    }
  }

  @Test
  void aScrapeBeyondTheConcurrentBoundIsRefusedAtOnce() throws Exception {
    largeScrape();
    List<Socket> unread = new ArrayList<>();
    try {
      for (int i = 0; i < HealthServer.CONCURRENT_SCRAPES; i++) {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(1024);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
        socket.getOutputStream().write(
            "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        // the answer has begun: this scrape holds its permit until it is read or cut off
        assertThat(socket.getInputStream().read()).isEqualTo('H');
        unread.add(socket);
      }
      assertThat(KubeletProbe.get(server.port(), "/metrics", KUBELET_TIMEOUT)).isEqualTo(503);
      unread.forEach(HealthServerTest::closeQuietly);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(KubeletProbe.get(server.port(), "/metrics", Duration.ofSeconds(5))).isEqualTo(200));
    } finally {
      unread.forEach(HealthServerTest::closeQuietly);
    }
  }

  @Test
  void headAnswersWithoutABody() throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(uri("/health")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEmpty();
  }

  @Test
  void onlyGetAndHeadAreAnswered() throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(uri("/health")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(status("/other")).isEqualTo(404);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** About 2 MB of metrics text, far more than loopback sockets buffer for a reader that does not read. */
  private void largeScrape() {
    String padding = "x".repeat(200);
    for (int i = 0; i < 10_000; i++) {
      registry.gauge("fashion_test_padding", List.of(Tag.of("n", Integer.toString(i)), Tag.of("pad", padding)), i);
    }
    assertThat(registry.scrape().length()).isGreaterThan(2_000_000);
  }

  private Socket halfSentRequest() throws Exception {
    Socket socket = new Socket("127.0.0.1", server.port());
    socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private int status(String path) throws Exception {
    return get(path).statusCode();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
