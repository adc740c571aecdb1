package io.fashionclassifier.streaming;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Kubernetes probes and Prometheus scraping on one port:
 *
 * <ul>
 *   <li>{@code GET /health}: liveness, 200 unless Kafka Streams has died (ERROR, PENDING_ERROR or NOT_RUNNING)
 *       or a stream task is stuck ({@link StreamProgress#stall()}),
 *   <li>{@code GET /ready}: readiness, 200 only in RUNNING (not while rebalancing or restoring),
 *   <li>{@code GET /metrics}: Prometheus text format.
 * </ul>
 *
 * <p>Exchanges run on a few threads, and one that has not finished within the request timeout (a client that
 * sends half a request, or reads the answer too slowly) is cut off, so that slow clients cannot keep the probes
 * from answering. The JDK server reads each request on the executor's thread from a channel in blocking mode;
 * interrupting that thread closes the channel and ends the exchange. (The JDK's own
 * {@code sun.net.httpserver.maxReqTime} would do the same, but it is read once per JVM, by whichever server
 * starts first.)
 */
public final class HealthServer implements AutoCloseable {

  public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
  /** Probes and a scrape at once, with one or two slow clients besides. */
  static final int THREADS = 4;
  /** Exchanges waiting for a thread; beyond it the connection is closed at once. */
  private static final int QUEUE = 64;

  private final HttpServer server;
  private final BoundedExchanges exchanges;

  private HealthServer(HttpServer server, BoundedExchanges exchanges) {
    this.server = server;
    this.exchanges = exchanges;
  }

  /**
   * Where and how to serve.
   *
   * @param bindAddress host name or IP address to listen on ({@code 0.0.0.0}: every interface)
   * @param port 0: any free port
   * @param requestTimeout how long one exchange (reading the request and writing the answer) may take
   */
  public record Options(String bindAddress, int port, Duration requestTimeout) {
    public Options {
      if (requestTimeout.toMillis() <= 0) {
        throw new IllegalArgumentException("the HTTP request timeout must be positive, not " + requestTimeout);
      }
    }

    /** Every interface, the default request timeout. */
    public static Options onPort(int port) {
      return new Options(DEFAULT_BIND_ADDRESS, port, DEFAULT_REQUEST_TIMEOUT);
    }
  }

  /**
   * Starts serving.
   *
   * @param progress the stream tasks' progress, for liveness
   * @throws UncheckedIOException when the address does not resolve or the port is taken
   */
  public static HealthServer start(
      Options options, Supplier<KafkaStreams.State> state, StreamProgress progress, PrometheusMeterRegistry registry) {
    String where = options.bindAddress() + ":" + options.port();
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(options.bindAddress()), options.port()), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for HTTP on " + where + ": " + e.getMessage()
          + "; check the HTTP port and bind address settings", e);
    }
    server.createContext("/health", exchange -> {
      KafkaStreams.State current = state.get();
      boolean alive = current != KafkaStreams.State.ERROR
          && current != KafkaStreams.State.PENDING_ERROR
          && current != KafkaStreams.State.NOT_RUNNING;
      Optional<String> stall = alive ? progress.stall() : Optional.empty();
      if (stall.isPresent()) {
        respond(exchange, 503, "text/plain", "STALLED: " + stall.get() + "\n");
      } else {
        respond(exchange, alive ? 200 : 503, "text/plain", current.name() + "\n");
      }
    });
    server.createContext("/ready", exchange -> {
      KafkaStreams.State current = state.get();
      respond(exchange, current == KafkaStreams.State.RUNNING ? 200 : 503, "text/plain", current.name() + "\n");
    });
    server.createContext("/metrics", exchange ->
        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    BoundedExchanges exchanges = new BoundedExchanges(options.requestTimeout());
    server.setExecutor(exchanges);
    server.start();
    return new HealthServer(server, exchanges);
  }

  /** The port actually bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The address actually bound. */
  public InetSocketAddress address() {
    return server.getAddress();
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
    exchanges.close();
  }

  /** A small pool whose exchanges are interrupted once they have run for longer than the request timeout. */
  private static final class BoundedExchanges implements Executor, AutoCloseable {

    private final long timeoutNanos;
    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService watchdog;
    private final Set<Running> running = ConcurrentHashMap.newKeySet();

    BoundedExchanges(Duration timeout) {
      timeoutNanos = timeout.toNanos();
      pool = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(QUEUE), daemons("http-probes"));
      watchdog = Executors.newSingleThreadScheduledExecutor(daemons("http-probes-watchdog"));
      long period = Math.max(10, Math.min(250, timeout.toMillis() / 4));
      watchdog.scheduleAtFixedRate(this::interruptOverdue, period, period, TimeUnit.MILLISECONDS);
    }

    /** Throws RejectedExecutionException when every thread is busy and the queue full: the server closes the connection. */
    @Override
    public void execute(Runnable exchange) {
      pool.execute(() -> {
        Running current = new Running(Thread.currentThread(), System.nanoTime());
        running.add(current);
        try {
          exchange.run();
        } finally {
          running.remove(current);
          current.finish();
        }
      });
    }

    private void interruptOverdue() {
      long now = System.nanoTime();
      for (Running exchange : running) {
        if (now - exchange.started > timeoutNanos) {
          exchange.interrupt();
        }
      }
    }

    @Override
    public void close() {
      watchdog.shutdownNow();
      pool.shutdownNow();
    }

    private static ThreadFactory daemons(String name) {
      AtomicInteger count = new AtomicInteger();
      return runnable -> {
        Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      };
    }
  }

  /** One exchange under way; the lock keeps an interrupt from reaching the thread's next exchange. */
  private static final class Running {
    final Thread thread;
    final long started;
    private boolean done;

    Running(Thread thread, long started) {
      this.thread = thread;
      this.started = started;
    }

    synchronized void interrupt() {
      if (!done) {
        thread.interrupt();
      }
    }

    void finish() {
      synchronized (this) {
        done = true;
      }
      // an interrupt that came after the exchange ended on its own must not carry over
      Thread.interrupted();
    }
  }
}
