package io.fashionclassifier.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class ApicurioRegistryTest {

  @Test
  void servesTheConfluentApiAndLeavesNoProcessOrPortBehind() throws Exception {
    ApicurioRegistry registry = ApicurioRegistry.start();
    long pid;
    int port;
    try {
      pid = registry.pid();
      port = registry.port();
      HttpResponse<String> subjects = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(registry.confluentUrl() + "/subjects")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(subjects.statusCode()).isEqualTo(200);
      assertThat(subjects.body()).isEqualTo("[]");
      assertThat(registry.confluentUrl()).isEqualTo("http://127.0.0.1:" + port + "/apis/ccompat/v7");
      assertThat(registry.logFile()).exists();
      System.out.printf("Apicurio Registry startup time: %d ms%n", registry.startupTime().toMillis());
    } finally {
      registry.close();
    }

    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
    assertThat(registry.isAlive()).isFalse();
    assertThat(registry.logFile()).doesNotExist();
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void sharedInstanceIsStartedOnceAndReused() {
    ApicurioRegistry first = ApicurioRegistry.shared();

    assertThat(ApicurioRegistry.shared()).isSameAs(first);
    assertThat(first.isAlive()).isTrue();
  }

  @Test
  void missingDistributionIsReportedWithTheFix() throws IOException {
    String previous = System.getProperty(ApicurioRegistry.APICURIO_DIR_PROPERTY);
    System.setProperty(ApicurioRegistry.APICURIO_DIR_PROPERTY, "target/no-such-apicurio");
    try {
      assertThatThrownBy(ApicurioRegistry::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no quarkus-run.jar under")
          .hasMessageContaining("generate-test-resources");
    } finally {
      if (previous == null) {
        System.clearProperty(ApicurioRegistry.APICURIO_DIR_PROPERTY);
      } else {
        System.setProperty(ApicurioRegistry.APICURIO_DIR_PROPERTY, previous);
      }
    }
  }
}
