package io.fashionclassifier.serde;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fashionclassifier.schema.InventoryImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server that answers as a test scripts it: the answers a real registry cannot be made to give
 * (403, 401, 429, 5xx, hangs, endless bodies). Handles requests on several threads, so one hanging answer does
 * not hold up the next request; {@link #close()} releases hanging answers.
 */
final class ScriptedRegistry implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as the server saw it, and when it arrived ({@link System#nanoTime()}). */
  record Request(String method, String path, String authorization, long arrivedNanos) {}

  /** Writes the answer to one request. */
  interface Answer {
    void answer(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch released = new CountDownLatch(1);
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Answer answer;

  ScriptedRegistry(Answer answer) {
    this.answer = answer;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(threads);
    server.createContext("/", exchange -> {
      long arrived = System.nanoTime();
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
          auth == null ? "" : auth, arrived));
      exchange.getRequestBody().readAllBytes();
      try {
        this.answer.answer(exchange);
      } finally {
        exchange.close();
      }
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** A loopback URL where nothing listens: connections to it are refused. */
  static String closedUrl() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "http://127.0.0.1:" + socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Request> requests() {
    return requests;
  }

  void answerWith(Answer answer) {
    this.answer = answer;
  }

  /** A JSON answer with this status. */
  static Answer json(int status, String body) {
    return exchange -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
    };
  }

  /** A registry error in Confluent's format. */
  static Answer error(int status, int errorCode, String message) {
    return json(status, "{\"error_code\":" + errorCode + ",\"message\":\"" + message + "\"}");
  }

  /** GET /schemas/ids/{id} answered with this schema text and schemaType. */
  static Answer schema(String schemaType, String schemaText) {
    try {
      return json(200, JSON.writeValueAsString(Map.of("schemaType", schemaType, "schema", schemaText)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Answer inventoryImageSchema() {
    return schema("AVRO", InventoryImage.getClassSchema().toString());
  }

  /** Never answers (until the server is closed). */
  Answer hang() {
    return exchange -> await();
  }

  /** Sends 200 and the start of a body, then never sends the rest. */
  Answer hangInTheBody() {
    return exchange -> {
      exchange.sendResponseHeaders(200, 1000);
      exchange.getResponseBody().write("{\"schema\":".getBytes(StandardCharsets.UTF_8));
      exchange.getResponseBody().flush();
      await();
    };
  }

  /** 200 with a body that never ends (chunked), as long as the client keeps reading. */
  static Answer endlessBody() {
    return exchange -> {
      exchange.sendResponseHeaders(200, 0);
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) ' ');
      OutputStream out = exchange.getResponseBody();
      try {
        out.write('{');
        for (int i = 0; i < 100_000; i++) {
          out.write(chunk);
        }
      } catch (IOException clientGone) {
        // The client stopped reading: what the test wants.
      }
    };
  }

  private void await() {
    try {
      released.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
