package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fashionclassifier.schema.InventoryImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP client against a tiny local server scripted per test. */
class RestSchemaRegistryClientTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  /** Statuses to answer with, in order; 200 with {@link #okBody} once they are used up. */
  private final List<Integer> statuses = new CopyOnWriteArrayList<>();
  private final AtomicInteger served = new AtomicInteger();
  private volatile String okBody;
  private volatile String errorBody = "{\"error_code\":50001,\"message\":\"store unavailable\"}";

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private void answer(HttpExchange exchange) throws IOException {
    requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath());
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    authorizations.add(auth == null ? "" : auth);
    bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    int n = served.getAndIncrement();
    int status = n < statuses.size() ? statuses.get(n) : 200;
    byte[] body = (status == 200 ? okBody : errorBody).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private RestSchemaRegistryClient client(Map<String, String> extra) {
    Map<String, String> props = new HashMap<>(Map.of("schema.registry.url", url(), "retries.wait.ms", "10",
        "retries.max.wait.ms", "40"));
    props.putAll(extra);
    return new RestSchemaRegistryClient(new AvroSerdeConfig(props));
  }

  private static String schemaAnswer() throws IOException {
    return JSON.writeValueAsString(Map.of("schema", InventoryImage.getClassSchema().toString()));
  }

  @Test
  void retriesA503AndThenReturnsTheAnswer() throws IOException {
    statuses.add(503);
    okBody = schemaAnswer();

    assertThat(client(Map.of()).getSchemaById(7)).isEqualTo(InventoryImage.getClassSchema());
    assertThat(requests).containsExactly("GET /schemas/ids/7", "GET /schemas/ids/7");
  }

  @Test
  void givesUpAfterMaxRetriesWithTheLastErrorCode() {
    statuses.addAll(List.of(503, 503, 503));
    okBody = "{}";

    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> client(Map.of("max.retries", "2")).getSchemaById(7));

    assertThat(e.status()).isEqualTo(503);
    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.STORE_ERROR);
    assertThat(requests).hasSize(3);
  }

  @Test
  void doesNotRetryA4xxAndCarriesItsErrorCode() {
    statuses.add(404);
    errorBody = "{\"error_code\":40403,\"message\":\"Schema 7 not found\"}";

    SchemaRegistryException e =
        catchThrowableOfType(SchemaRegistryException.class, () -> client(Map.of()).getSchemaById(7));

    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
    assertThat(e.isRetriable()).isFalse();
    assertThat(requests).hasSize(1);
  }

  @Test
  void explainsA404ThatDidNotComeFromARegistry() {
    statuses.add(404);
    errorBody = "<html><body>Not Found</body></html>";

    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> client(Map.of()).getLatestSchemaMetadata("inventory-images-value"));

    assertThat(e.errorCode()).isEqualTo(404);
    assertThat(e).hasMessageContaining("/apis/ccompat/v7");
  }

  @Test
  void cachesSchemasById() throws IOException {
    okBody = schemaAnswer();
    RestSchemaRegistryClient client = client(Map.of());

    client.getSchemaById(3);
    client.getSchemaById(3);

    assertThat(requests).hasSize(1);
  }

  @Test
  void registersWithTheSchemaAsAJsonStringUnderAnEncodedSubject() throws IOException {
    okBody = "{\"id\":12}";

    int id = client(Map.of()).register("inventory images-value", InventoryImage.getClassSchema());

    assertThat(id).isEqualTo(12);
    assertThat(requests).containsExactly("POST /subjects/inventory%20images-value/versions");
    assertThat(JSON.readTree(bodies.get(0)).path("schema").asText())
        .isEqualTo(InventoryImage.getClassSchema().toString());
  }

  @Test
  void sendsBasicAuthFromUserInfo() {
    okBody = "{\"is_compatible\":true}";

    client(Map.of("basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "scanner:s3cret"))
        .testCompatibility("inventory-images-value", InventoryImage.getClassSchema());

    assertThat(authorizations).containsExactly(
        "Basic " + Base64.getEncoder().encodeToString("scanner:s3cret".getBytes(StandardCharsets.UTF_8)));
    assertThat(requests).containsExactly("POST /compatibility/subjects/inventory-images-value/versions/latest");
  }

  @Test
  void sendsBasicAuthFromTheUrlWithoutSendingItInTheUrl() {
    okBody = "{\"is_compatible\":false}";
    String withUser = url().replace("http://", "http://ops:pw@");

    boolean compatible = client(Map.of("schema.registry.url", withUser))
        .testCompatibility("inventory-images-value", InventoryImage.getClassSchema());

    assertThat(compatible).isFalse();
    assertThat(authorizations).containsExactly("Basic " + Base64.getEncoder().encodeToString("ops:pw".getBytes()));
  }

  @Test
  void failsOverToTheNextUrlWhenOneDoesNotAnswer() throws IOException {
    okBody = "{\"id\":5,\"version\":2,\"subject\":\"s\",\"schema\":"
        + JSON.writeValueAsString(InventoryImage.getClassSchema().toString()) + "}";
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    SchemaMetadata latest = client(Map.of("schema.registry.url", "http://127.0.0.1:" + closedPort + "," + url()))
        .getLatestSchemaMetadata("s");

    assertThat(latest.id()).isEqualTo(5);
    assertThat(latest.version()).isEqualTo(2);
    assertThat(requests).containsExactly("GET /subjects/s/versions/latest");
  }

  @Test
  void retriesStopWhenTheTotalTimeBudgetIsSpent() {
    statuses.addAll(java.util.Collections.nCopies(1000, 503));
    okBody = "{}";

    RestSchemaRegistryClient client = client(Map.of("max.retries", "1000", "retries.wait.ms", "100",
        "retries.max.wait.ms", "400", "http.total.timeout.ms", "1000"));
    long start = System.nanoTime();

    SchemaRegistryException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> catchThrowableOfType(SchemaRegistryException.class, () -> client.getSchemaById(7)));

    assertThat(e.status()).isEqualTo(503);
    // Waits are drawn (full jitter), so how many retries fit varies; that the budget, not max.retries, ended them
    // does not: each wait is at most 400 ms, so at least 2 requests, and far fewer than 1001.
    assertThat(requests).hasSizeBetween(2, 1000);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  /**
   * Issue 21: the wait before each retry was exactly retries.wait.ms, doubled per retry, so every client that failed
   * together (each stream thread of each instance, after an outage) came back together. With full jitter each wait
   * is drawn from [0, that ceiling], so some fall well below it; the fixed schedule never goes below it.
   */
  @Test
  void retryWaitsAreDrawnSoClientsThatFailedTogetherDoNotRetryTogether() {
    Duration ceiling = Duration.ofMillis(300);
    try (ScriptedRegistry outage = new ScriptedRegistry(ScriptedRegistry.error(503, 50001, "store unavailable"))) {
      AvroSerdeConfig config = new AvroSerdeConfig(Map.of("schema.registry.url", outage.url(),
          "retries.wait.ms", String.valueOf(ceiling.toMillis()), "retries.max.wait.ms",
          String.valueOf(ceiling.toMillis()), "max.retries", "4", "http.total.timeout.ms", "10000"));
      for (int client = 1; client <= 2; client++) {
        int id = client;
        catchThrowableOfType(SchemaRegistryException.class,
            () -> new RestSchemaRegistryClient(config).getSchemaById(id));
      }

      List<Duration> waits = waitsBetweenRequestsOfTheSamePath(outage.requests());

      assertThat(waits).hasSize(8)
          .anySatisfy(wait -> assertThat(wait).isLessThan(ceiling.multipliedBy(5).dividedBy(6)));
    }
  }

  private static List<Duration> waitsBetweenRequestsOfTheSamePath(List<ScriptedRegistry.Request> requests) {
    Map<String, Long> last = new HashMap<>();
    List<Duration> waits = new ArrayList<>();
    for (ScriptedRegistry.Request request : requests) {
      Long previous = last.put(request.path(), request.arrivedNanos());
      if (previous != null) {
        waits.add(Duration.ofNanos(request.arrivedNanos() - previous));
      }
    }
    return waits;
  }
}
