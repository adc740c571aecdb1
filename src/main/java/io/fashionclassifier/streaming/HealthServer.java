package io.fashionclassifier.streaming;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Kubernetes probes and Prometheus scraping on one port:
 *
 * <ul>
 *   <li>{@code GET /health}: liveness, 200 unless Kafka Streams has died (ERROR, PENDING_ERROR or NOT_RUNNING),
 *   <li>{@code GET /ready}: readiness, 200 only in RUNNING (not while rebalancing or restoring),
 *   <li>{@code GET /metrics}: Prometheus text format.
 * </ul>
 */
public final class HealthServer implements AutoCloseable {

  private final HttpServer server;

  private HealthServer(HttpServer server) {
    this.server = server;
  }

  /**
   * Starts serving on {@code port} (0: any free port) on all interfaces.
   *
   * @throws UncheckedIOException when the port is taken
   */
  public static HealthServer start(int port, Supplier<KafkaStreams.State> state, PrometheusMeterRegistry registry) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on HTTP port " + port + ": " + e.getMessage(), e);
    }
    server.createContext("/health", exchange -> {
      KafkaStreams.State current = state.get();
      boolean alive = current != KafkaStreams.State.ERROR
          && current != KafkaStreams.State.PENDING_ERROR
          && current != KafkaStreams.State.NOT_RUNNING;
      respond(exchange, alive ? 200 : 503, "text/plain", current.name() + "\n");
    });
    server.createContext("/ready", exchange -> {
      KafkaStreams.State current = state.get();
      respond(exchange, current == KafkaStreams.State.RUNNING ? 200 : 503, "text/plain", current.name() + "\n");
    });
    server.createContext("/metrics", exchange ->
        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.setExecutor(Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "http-probes");
      thread.setDaemon(true);
      return thread;
    }));
    server.start();
    return new HealthServer(server);
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
