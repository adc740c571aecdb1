package io.fashionclassifier.review;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.schema.ReviewRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reviewers' web server: the page at {@code /}, the login form at {@code /login}, and a small JSON API under
 * {@code /api/} that the page's script (and any script with basic auth) uses to label, skip and undo.
 */
public final class ReviewServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReviewServer.class);
  /** The header the page's script sends with every change: a form on another site cannot send it. */
  static final String REQUEST_HEADER = "X-Review-Request";
  private static final int MAX_FORM_BYTES = 8_192;
  private static final String SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
      + "script-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'";

  /** A PKCS12 keystore holding the server's key and certificate. */
  public record Tls(Path keystore, char[] password) {}

  public record Settings(String bindAddress, int port, Optional<Tls> tls) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final ReviewQueue queue;
  private final LongSupplier unread;
  private final Supplier<List<ModelDecision>> decisions;
  private final ReviewSessions sessions;
  private final ReviewerLogins logins;
  private final ReviewPage page;
  private final boolean secure;
  private final ObjectMapper json = new ObjectMapper();

  private ReviewServer(HttpServer server, ReviewQueue queue, LongSupplier unread,
      Supplier<List<ModelDecision>> decisions, ReviewerLogins logins, List<String> classNames, Clock clock,
      boolean secure) {
    this.server = server;
    this.queue = queue;
    this.unread = unread;
    this.decisions = decisions;
    this.logins = logins;
    this.sessions = new ReviewSessions(clock);
    this.page = new ReviewPage(classNames);
    this.secure = secure;
    this.executor = Executors.newFixedThreadPool(4, runnable -> {
      Thread thread = new Thread(runnable, "review-http");
      thread.setDaemon(true);
      return thread;
    });
    ReviewerAuth auth = new ReviewerAuth(logins, sessions);
    server.createContext("/login", this::login);
    guarded("/", this::page, auth);
    guarded("/logout", this::logout, auth);
    guarded("/api/next", this::next, auth);
    guarded("/api/decide", this::decide, auth);
    guarded("/api/skip", this::skip, auth);
    guarded("/api/undo", this::undo, auth);
    server.setExecutor(executor);
  }

  /**
   * Binds and starts serving; a port of 0 takes a free one (see {@link #uri()}).
   *
   * @param decisions the learning loop's newest decisions, newest first, shown below the item
   */
  public static ReviewServer start(Settings settings, ReviewQueue queue, LongSupplier unread,
      Supplier<List<ModelDecision>> decisions, ReviewerLogins logins, List<String> classNames, Clock clock)
      throws IOException {
    InetSocketAddress address = new InetSocketAddress(settings.bindAddress(), settings.port());
    HttpServer server;
    if (settings.tls().isPresent()) {
      HttpsServer https = HttpsServer.create(address, 0);
      https.setHttpsConfigurator(new HttpsConfigurator(sslContext(settings.tls().get())));
      server = https;
    } else {
      server = HttpServer.create(address, 0);
    }
    ReviewServer review = new ReviewServer(server, queue, unread, decisions, logins, classNames, clock,
        settings.tls().isPresent());
    server.start();
    log.info("review page at {}", review.uri());
    return review;
  }

  public URI uri() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().isAnyLocalAddress() ? "localhost" : address.getHostString();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create((secure ? "https" : "http") + "://" + host + ":" + address.getPort() + "/");
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void guarded(String path, HttpHandler handler, ReviewerAuth auth) {
    HttpContext context = server.createContext(path, exchange -> {
      try {
        handler.handle(exchange);
      } catch (RuntimeException e) {
        log.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
        throw e;
      } finally {
        exchange.close();
      }
    });
    context.getFilters().add(auth);
  }

  private void login(HttpExchange exchange) throws IOException {
    try {
      if ("POST".equals(exchange.getRequestMethod())) {
        Map<String, String> form = form(exchange);
        Optional<String> reviewer = logins.check(form.getOrDefault("user", ""), form.getOrDefault("password", ""));
        if (reviewer.isPresent()) {
          exchange.getResponseHeaders().add("Set-Cookie", ReviewerAuth.COOKIE + "=" + sessions.open(reviewer.get())
              + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""));
          exchange.getResponseHeaders().set("Location", "/");
          exchange.sendResponseHeaders(303, -1);
          return;
        }
        log.info("failed review login for user {}", form.getOrDefault("user", "").replaceAll("[^A-Za-z0-9._@-]", "?"));
        html(exchange, 401, page.login("Wrong user or password."));
        return;
      }
      html(exchange, 200, page.login(null));
    } finally {
      exchange.close();
    }
  }

  private void logout(HttpExchange exchange) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(405, -1);
      return;
    }
    sessions.close(ReviewerAuth.cookie(exchange));
    exchange.getResponseHeaders().add("Set-Cookie", ReviewerAuth.COOKIE + "=; Path=/; Max-Age=0; HttpOnly");
    exchange.getResponseHeaders().set("Location", "/login");
    exchange.sendResponseHeaders(303, -1);
  }

  private void page(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestURI().getPath().equals("/") || !"GET".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(404, -1);
      return;
    }
    String reviewer = reviewer(exchange);
    String note = query(exchange).get("note");
    Optional<ReviewQueue.Lease> lease = queue.next(reviewer);
    html(exchange, 200, page.review(reviewer, lease, queue.figures(reviewer), unread.getAsLong(), note,
        decisions.get()));
  }

  private void next(HttpExchange exchange) throws IOException {
    String reviewer = reviewer(exchange);
    Optional<ReviewQueue.Lease> lease = queue.next(reviewer);
    if (lease.isEmpty()) {
      exchange.sendResponseHeaders(204, -1);
      return;
    }
    ReviewRequest request = lease.get().item().request();
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("itemId", request.getItemId());
    answer.put("scannerId", request.getScannerId());
    answer.put("modelVersion", request.getModelVersion());
    answer.put("leaseUntil", lease.get().until().toString());
    answer.put("previous", lease.get().previous() == null ? null : lease.get().previous().ordinal());
    answer.put("topK", request.getTopK().stream().map(ReviewServer::score).toList());
    json(exchange, 200, answer);
  }

  private void decide(HttpExchange exchange) throws IOException {
    Optional<Map<String, String>> form = change(exchange);
    if (form.isEmpty()) {
      return;
    }
    String itemId = form.get().get("itemId");
    String label = form.get().getOrDefault("label", "");
    if (itemId == null || !label.matches("[0-9]")) {
      json(exchange, 400, Map.of("outcome", "BAD_REQUEST", "message", "need itemId and a label 0-9"));
      return;
    }
    try {
      ReviewQueue.Outcome outcome = queue.decide(reviewer(exchange), itemId,
          FashionClass.values()[Integer.parseInt(label)]);
      json(exchange, 200, Map.of("outcome", outcome.name()));
    } catch (RuntimeException e) {
      log.warn("audit of {} by {} not written: {}", itemId, reviewer(exchange), e.toString());
      json(exchange, 503, Map.of("outcome", "FAILED", "message", "the audit was not written; try again"));
    }
  }

  private void skip(HttpExchange exchange) throws IOException {
    Optional<Map<String, String>> form = change(exchange);
    if (form.isPresent()) {
      queue.skip(reviewer(exchange), form.get().getOrDefault("itemId", ""));
      json(exchange, 200, Map.of("outcome", "SKIPPED"));
    }
  }

  private void undo(HttpExchange exchange) throws IOException {
    if (change(exchange).isPresent()) {
      Optional<ReviewQueue.Lease> reopened = queue.undo(reviewer(exchange));
      json(exchange, 200, reopened.isPresent()
          ? Map.of("outcome", "UNDONE", "itemId", reopened.get().item().itemId())
          : Map.of("outcome", "NOTHING_TO_UNDO"));
    }
  }

  /** The form of a POST that changes something, or empty after answering a request that may not. */
  private Optional<Map<String, String>> change(HttpExchange exchange) throws IOException {
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(405, -1);
      return Optional.empty();
    }
    if (exchange.getRequestHeaders().getFirst(REQUEST_HEADER) == null) {
      json(exchange, 403, Map.of("outcome", "FORBIDDEN", "message", "send the " + REQUEST_HEADER + " header"));
      return Optional.empty();
    }
    return Optional.of(form(exchange));
  }

  private static Map<String, Object> score(LabelScore score) {
    return Map.of("label", score.getLabel().ordinal(), "probability", score.getProbability());
  }

  private static String reviewer(HttpExchange exchange) {
    return (String) exchange.getAttribute(ReviewerAuth.REVIEWER);
  }

  private static Map<String, String> form(HttpExchange exchange) throws IOException {
    try (InputStream body = exchange.getRequestBody()) {
      byte[] bytes = body.readNBytes(MAX_FORM_BYTES + 1);
      if (bytes.length > MAX_FORM_BYTES) {
        return Map.of();
      }
      return decode(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private static Map<String, String> query(HttpExchange exchange) {
    String query = exchange.getRequestURI().getRawQuery();
    return query == null ? Map.of() : decode(query);
  }

  private static Map<String, String> decode(String encoded) {
    Map<String, String> fields = new HashMap<>();
    for (String pair : encoded.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        try {
          fields.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException malformed) {
          // a malformed field is left out, as if it had not been sent
        }
      }
    }
    return fields;
  }

  private void html(HttpExchange exchange, int status, String html) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    exchange.getResponseHeaders().set("Content-Security-Policy", SECURITY_POLICY);
    send(exchange, status, html.getBytes(StandardCharsets.UTF_8));
  }

  private void json(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    send(exchange, status, json.writeValueAsBytes(body));
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  private static SSLContext sslContext(Tls tls) throws IOException {
    try (InputStream in = Files.newInputStream(tls.keystore())) {
      KeyStore keystore = KeyStore.getInstance("PKCS12");
      keystore.load(in, tls.password());
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(keystore, tls.password());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("keystore " + tls.keystore() + " cannot be used: " + e.getMessage(), e);
    }
  }
}
