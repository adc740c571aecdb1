package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Registry credentials: sent only where they belong, warned about over plain http, never quoted, not on the command line. */
class RegistryCredentialsTest {

  private final ScriptedRegistry registry = new ScriptedRegistry(ScriptedRegistry.inventoryImageSchema());

  @AfterEach
  void stop() {
    registry.close();
  }

  private static String basic(String userInfo) {
    return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
  }

  private static String closedUrl() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }
  }

  private RestSchemaRegistryClient client(Map<String, String> props) {
    Map<String, String> all = new HashMap<>(Map.of("retries.wait.ms", "10", "retries.max.wait.ms", "20"));
    all.putAll(props);
    return new RestSchemaRegistryClient(new AvroSerdeConfig(all));
  }

  @Test
  void credentialsInOneFailoverUrlAreNotSentToTheNext() throws IOException {
    String withSecret = closedUrl().replace("http://", "http://alice:pw-a@");

    client(Map.of("schema.registry.url", withSecret + "," + registry.url())).getSchemaById(7);

    assertThat(registry.requests()).singleElement()
        .satisfies(r -> assertThat(r.authorization()).isEmpty());
  }

  @Test
  void eachFailoverUrlSendsItsOwnCredentials() throws IOException {
    String first = closedUrl().replace("http://", "http://alice:pw-a@");
    String second = registry.url().replace("http://", "http://bob:pw-b@");

    client(Map.of("schema.registry.url", first + "," + second)).getSchemaById(7);

    assertThat(registry.requests()).singleElement()
        .satisfies(r -> assertThat(r.authorization()).isEqualTo(basic("bob:pw-b")));
  }

  @Test
  void userInfoCanComeFromAFile(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("registry-user-info"), "scanner:s3cret\n");

    client(Map.of("schema.registry.url", registry.url(), "basic.auth.credentials.source", "USER_INFO",
        "basic.auth.user.info.file", file.toString())).getSchemaById(7);

    assertThat(registry.requests()).singleElement()
        .satisfies(r -> assertThat(r.authorization()).isEqualTo(basic("scanner:s3cret")));
  }

  @Test
  void aBearerTokenGoesToEveryFailoverUrl() throws IOException {
    client(Map.of("schema.registry.url", closedUrl() + "," + registry.url(),
        "schema.registry.bearer.auth.token", "eyJ.token.sig")).getSchemaById(7);

    assertThat(registry.requests()).singleElement()
        .satisfies(r -> assertThat(r.authorization()).isEqualTo("Bearer eyJ.token.sig"));
  }

  @Test
  void aBearerTokenBesideBasicAuthIsRefusedWithoutQuotingEither() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> client(Map.of(
        "schema.registry.url", registry.url(), "basic.auth.credentials.source", "USER_INFO",
        "basic.auth.user.info", "scanner:s3cret", "bearer.auth.token", "eyJ.token.sig")));

    assertThat(e).hasMessageContaining("bearer.auth.token").hasMessageNotContaining("s3cret")
        .hasMessageNotContaining("eyJ");
  }

  @Test
  void aMissingUserInfoFileIsAClearConfigError(@TempDir Path dir) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> client(Map.of(
        "schema.registry.url", registry.url(), "basic.auth.credentials.source", "USER_INFO",
        "basic.auth.user.info.file", dir.resolve("absent").toString())));

    assertThat(e).hasMessageContaining("basic.auth.user.info.file").hasMessageContaining("absent");
  }

  @Test
  void warnsOnceAboutCredentialsOverPlainHttpWithoutQuotingThem() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(RegistryTransport.class);
    logged.start();
    logger.addAppender(logged);
    try {
      Map<String, String> props = Map.of("schema.registry.url", registry.url(),
          "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "scanner:s3cret");
      client(props);
      client(props);
    } finally {
      logger.detachAppender(logged);
    }

    assertThat(logged.list)
        .filteredOn(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains(registry.url()))
        .singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage()).contains("plain http").doesNotContain("s3cret"));
  }

  @Test
  void anUnparsableUrlIsNotQuotedWithItsPassword() {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> client(Map.of("schema.registry.url", "http://ops:s3cret@registry host:8081")));

    assertThat(e).hasMessageContaining("schema.registry.url").hasMessageNotContaining("s3cret");
    assertThat(e.getCause() == null ? "" : e.getCause().toString()).doesNotContain("s3cret");
  }

  @Test
  void aMockUrlMixedWithOthersIsNotQuotedWithAPassword() {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> new KafkaAvroDeserializer().configure(
            Map.of("schema.registry.url", "mock://x,http://ops:s3cret@registry:8081"), false));

    assertThat(e).hasMessageNotContaining("s3cret");
  }

  @Test
  void aFailureMessageDoesNotQuoteTheUrlsPassword() throws IOException {
    String withSecret = closedUrl().replace("http://", "http://ops:s3cret@");

    SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
        () -> client(Map.of("schema.registry.url", withSecret, "max.retries", "0")).getSchemaById(7));

    assertThat(e).hasMessageNotContaining("s3cret");
  }
}
