package io.fashionclassifier.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A registry behind TLS and basic auth, as registries are exposed in production (an ingress or a sidecar in front
 * of the registry): an HTTPS server on a loopback port, with the certificate of {@link TestCertificates}, that
 * answers 401 without the right {@code Authorization: Basic} header and otherwise forwards the request to a real
 * registry over plain HTTP.
 */
final class TlsRegistryProxy implements AutoCloseable {

  private final HttpsServer server;
  private final HttpClient upstream = HttpClient.newHttpClient();
  private final String target;
  private final String expectedAuthorization;
  private final AtomicInteger forwarded = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  TlsRegistryProxy(TestCertificates certificates, String target, String user, String password) throws IOException {
    this.target = target;
    this.expectedAuthorization = "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(sslContext(certificates)));
    server.createContext("/", this::handle);
    server.start();
  }

  /** {@code https://127.0.0.1:<port>} followed by the path of the registry's API. */
  String url(String path) {
    return "https://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  int forwarded() {
    return forwarded.get();
  }

  int refused() {
    return refused.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!expectedAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        refused.incrementAndGet();
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
        exchange.sendResponseHeaders(401, -1);
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
          .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      for (String header : List.of("Content-Type", "Accept")) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
          request.header(header, value);
        }
      }
      HttpResponse<byte[]> response = upstream.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      response.headers().firstValue("Content-Type")
          .ifPresent(type -> exchange.getResponseHeaders().add("Content-Type", type));
      forwarded.incrementAndGet();
      exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
      exchange.getResponseBody().write(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static SSLContext sslContext(TestCertificates certificates) throws IOException {
    try (InputStream in = Files.newInputStream(certificates.keystore())) {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      keyStore.load(in, certificates.password().toCharArray());
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(keyStore, certificates.password().toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot load the test certificate: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
