package io.fashionclassifier.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.faults.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a PKCS12 keystore the page is served over HTTPS only, and its login cookie is marked Secure. */
class ReviewTlsTest {

  @TempDir
  Path dir;

  @Test
  void theLoginWorksOverHttpsAndItsCookieIsSecure() throws Exception {
    TestCertificates certificates = TestCertificates.selfSigned(dir, "review");
    try (ReviewTopics topics = new ReviewTopics();
        ReviewApp app = ReviewApp.start(new ReviewApp.Settings(topics.requests, topics.audits, "review-" + topics.run,
            Duration.ofMinutes(2), topics.decisions, new ReviewServer.Settings("127.0.0.1", 0,
                Optional.of(new ReviewServer.Tls(certificates.keystore(), certificates.password().toCharArray())))),
            topics.clientConfig(), topics.serdeConfig(), ReviewerLogins.of(Map.of("alice", "a-secret")),
            FashionMnist.CLASS_NAMES)) {
      assertThat(app.uri().getScheme()).isEqualTo("https");
      HttpClient https = HttpClient.newBuilder().sslContext(trusting(certificates)).build();
      HttpResponse<String> login = https.send(HttpRequest.newBuilder(app.uri().resolve("/login"))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("user=alice&password=a-secret")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).isEqualTo(303);
      assertThat(login.headers().firstValue("Set-Cookie")).get().asString()
          .contains("HttpOnly").contains("SameSite=Strict").contains("Secure");

      URI plain = URI.create("http://127.0.0.1:" + app.uri().getPort() + "/login");
      assertThatThrownBy(() -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
          HttpRequest.newBuilder(plain).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()))
          .as("no plain HTTP on the TLS port").isInstanceOf(IOException.class);
    }
  }

  private static SSLContext trusting(TestCertificates certificates) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certificates.truststore())) {
      trust.load(in, certificates.password().toCharArray());
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }
}
