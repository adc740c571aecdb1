package io.fashionclassifier.streaming;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Kubernetes probes and Prometheus scraping on one port:
 *
 * <ul>
 *   <li>{@code GET /health}: liveness, 200 unless Kafka Streams has died (ERROR, PENDING_ERROR or NOT_RUNNING)
 *       or a stream task is stuck ({@link StreamProgress#stall()}),
 *   <li>{@code GET /ready}: readiness, 200 only in RUNNING (not while rebalancing or restoring); the body names the
 *       state and, on the lines after it, why the classifier does not serve what a model pointer names, if it does
 *       not (it then serves its last good model and stays ready: every pod refusing the same bundle must not take
 *       the whole service out),
 *   <li>{@code GET /metrics}: Prometheus text format.
 * </ul>
 *
 * <p>The probes must answer within the kubelet's timeout whatever other clients do, so the server is Jetty's
 * non-blocking one: a connection that is idle, half-sent or slow to read its answer holds a socket but no thread,
 * and a probe's answer is computed in microseconds on whichever thread is free. What a client can still hold is
 * bounded:
 *
 * <ul>
 *   <li>time: a connection is closed once it has been idle for the request timeout, and in any case once it is
 *       older than the request timeout, so a client trickling a byte at a time cannot keep it either;
 *   <li>connections: at most {@link #MAX_CONNECTIONS} at once; while at the limit every connection's idle timeout
 *       drops to {@link #CROWDED_IDLE_TIMEOUT}, so idle ones make room for the probes within a fraction of the
 *       kubelet's timeout;
 *   <li>{@code /metrics}: at most {@link #CONCURRENT_SCRAPES} scrapes at once (each computes and buffers the
 *       whole text); more are answered 503 at once, so a flood of scrapes costs neither the probes' threads nor
 *       unbounded memory.
 * </ul>
 */
public final class HealthServer implements AutoCloseable {

  /** Open connections at most: kubelet probes and Prometheus need a handful. */
  static final int MAX_CONNECTIONS = 256;
  /** The idle timeout of every connection while {@link #MAX_CONNECTIONS} are open. */
  static final Duration CROWDED_IDLE_TIMEOUT = Duration.ofMillis(250);
  /** Prometheus scrapes one at a time; two leave room for a second scraper or a person with curl. */
  static final int CONCURRENT_SCRAPES = 2;
  /** Enough for the acceptor, the selector and the few exchanges that are ever computing at once. */
  private static final int THREADS = 8;

  private final Server server;
  private final ServerConnector connector;

  private HealthServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Where and how to serve.
   *
   * @param bindAddress host name or IP address to listen on ({@code 0.0.0.0}: every interface)
   * @param port 0: any free port
   * @param requestTimeout how long a connection may be idle, and how long it may live: a request and its answer
   *     must fit in it
   */
  public record Options(String bindAddress, int port, Duration requestTimeout) {
    public Options {
      if (requestTimeout.toMillis() <= 0) {
        throw new IllegalArgumentException("the HTTP request timeout must be positive, not " + requestTimeout);
      }
    }
  }

  /**
   * Starts serving.
   *
   * @param progress the stream tasks' progress, for liveness
   * @param modelDivergence why the served models differ from what the pointers name, if they do
   * @throws UncheckedIOException when the address does not resolve or the port is taken
   */
  public static HealthServer start(Options options, Supplier<KafkaStreams.State> state,
      Supplier<Optional<String>> modelDivergence, StreamProgress progress, PrometheusMeterRegistry registry) {
    String where = options.bindAddress() + ":" + options.port();
    InetAddress address;
    try {
      address = InetAddress.getByName(options.bindAddress());
    } catch (IOException e) {
      throw cannotListen(where, e);
    }
    QueuedThreadPool threads = new QueuedThreadPool(THREADS, 2);
    threads.setName("http-probes");
    threads.setDaemon(true);
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(address.getHostAddress());
    connector.setPort(options.port());
    connector.setIdleTimeout(options.requestTimeout().toMillis());
    connector.addBean(new ConnectionDeadline(server.getScheduler(), options.requestTimeout()));
    server.addConnector(connector);
    NetworkConnectionLimit limit = new NetworkConnectionLimit(MAX_CONNECTIONS, connector);
    limit.setEndPointIdleTimeout(CROWDED_IDLE_TIMEOUT.toMillis());
    server.addBean(limit);
    server.setHandler(new Routes(state, modelDivergence, progress, registry));
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      throw cannotListen(where, e instanceof IOException io ? io : new IOException(e.getMessage(), e));
    }
    return new HealthServer(server, connector);
  }

  private static UncheckedIOException cannotListen(String where, IOException e) {
    String reason = e.getCause() != null && e.getCause().getMessage() != null
        ? e.getMessage() + ": " + e.getCause().getMessage() : e.getMessage();
    return new UncheckedIOException("cannot listen for HTTP on " + where + ": " + reason
        + "; check the HTTP port and bind address settings", e);
  }

  /** The port actually bound. */
  public int port() {
    return connector.getLocalPort();
  }

  /** The address actually bound. */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost(), port());
  }

  @Override
  public void close() {
    stopQuietly(server);
  }

  private static void stopQuietly(Server server) {
    try {
      server.setStopTimeout(0);
      server.stop();
    } catch (Exception e) {
      // stopping a server that did not start, or whose threads are already gone: nothing left to release
    }
  }

  /** The three paths; anything else is 404, any method but GET and HEAD 405. */
  private static final class Routes extends Handler.Abstract {

    private final Supplier<KafkaStreams.State> state;
    private final Supplier<Optional<String>> modelDivergence;
    private final StreamProgress progress;
    private final PrometheusMeterRegistry registry;
    private final Semaphore scrapes = new Semaphore(CONCURRENT_SCRAPES);

    Routes(Supplier<KafkaStreams.State> state, Supplier<Optional<String>> modelDivergence, StreamProgress progress,
        PrometheusMeterRegistry registry) {
      // blocking: a scrape computes the whole text, which must not run on the selector thread
      super(InvocationType.BLOCKING);
      this.state = state;
      this.modelDivergence = modelDivergence;
      this.progress = progress;
      this.registry = registry;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      if (!path.equals("/health") && !path.equals("/ready") && !path.equals("/metrics")) {
        return false;
      }
      boolean head = HttpMethod.HEAD.is(request.getMethod());
      if (!head && !HttpMethod.GET.is(request.getMethod())) {
        response.setStatus(405);
        response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
        callback.succeeded();
        return true;
      }
      switch (path) {
        case "/health" -> health(response, head, callback);
        case "/ready" -> {
          KafkaStreams.State current = state.get();
          String detail = modelDivergence.get().map(lines -> lines + "\n").orElse("");
          respond(response, head, current == KafkaStreams.State.RUNNING ? 200 : 503, "text/plain",
              current.name() + "\n" + detail, callback);
        }
        default -> metrics(response, head, callback);
      }
      return true;
    }

    private void health(Response response, boolean head, Callback callback) {
      KafkaStreams.State current = state.get();
      boolean alive = current != KafkaStreams.State.ERROR
          && current != KafkaStreams.State.PENDING_ERROR
          && current != KafkaStreams.State.NOT_RUNNING;
      Optional<String> stall = alive ? progress.stall() : Optional.empty();
      if (stall.isPresent()) {
        respond(response, head, 503, "text/plain", "STALLED: " + stall.get() + "\n", callback);
      } else {
        respond(response, head, alive ? 200 : 503, "text/plain", current.name() + "\n", callback);
      }
    }

    private void metrics(Response response, boolean head, Callback callback) {
      if (!scrapes.tryAcquire()) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        respond(response, head, 503, "text/plain",
            "more than " + CONCURRENT_SCRAPES + " scrapes at once; try again\n", callback);
        return;
      }
      // the permit is held until the answer has been written or the connection cut, so that scrapes nobody
      // reads cannot pile up their texts in memory
      Callback released = Callback.from(callback, (Runnable) scrapes::release);
      try {
        respond(response, head, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape(), released);
      } catch (RuntimeException e) {
        released.failed(e);
      }
    }

    private static void respond(Response response, boolean head, int status, String contentType, String body,
        Callback callback) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      response.setStatus(status);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
      // Jetty sends no body in answer to HEAD, whatever is written
      response.write(true, ByteBuffer.wrap(head ? new byte[0] : bytes), callback);
    }
  }

  /**
   * Closes each connection once it is older than the request timeout. The idle timeout alone cannot bound a
   * client that sends a byte now and then; probes and scrapes open a connection per request or reuse one between
   * scrapes, so no client that plays by the rules needs one for longer.
   */
  private static final class ConnectionDeadline implements Connection.Listener {

    private final Scheduler scheduler;
    private final long timeoutMillis;
    private final Map<Connection, Scheduler.Task> deadlines = new ConcurrentHashMap<>();

    ConnectionDeadline(Scheduler scheduler, Duration timeout) {
      this.scheduler = scheduler;
      this.timeoutMillis = timeout.toMillis();
    }

    @Override
    public void onOpened(Connection connection) {
      deadlines.put(connection, scheduler.schedule(() -> connection.getEndPoint().close(new TimeoutException(
          "HTTP connection open for longer than " + timeoutMillis + " ms")), timeoutMillis, TimeUnit.MILLISECONDS));
    }

    @Override
    public void onClosed(Connection connection) {
      Scheduler.Task deadline = deadlines.remove(connection);
      if (deadline != null) {
        deadline.cancel();
      }
    }
  }
}
