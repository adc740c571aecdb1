package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secured cluster: the broker's SASL_SSL listener (SCRAM-SHA-512 over TLS, certificate made in the test), the
 * classifier configured only through the documented {@code KAFKA_*} environment variables, as in a Kubernetes
 * Secret. It classifies through that listener, and a wrong password or an untrusted certificate stops it at
 * start-up with one line saying what is wrong.
 */
class SecuredBrokerTest {

  private static final String USER = "classifier";
  private static final String PASSWORD = "scram-secret-1";

  @TempDir static Path certificates;
  private static TestCertificates broker;
  private static KafkaBroker secured;

  @BeforeAll
  static void startSecuredBroker() {
    broker = TestCertificates.selfSigned(certificates, "broker");
    secured = KafkaBroker.start(new KafkaBroker.SaslSsl(broker.keystore(), broker.password(), USER, PASSWORD));
  }

  @AfterAll
  static void stopBroker() {
    if (secured != null) {
      secured.close();
    }
  }

  private static Map<String, String> environment(String password, TestCertificates trusted) {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    environment.put("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
    environment.put("KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\"" + USER + "\" password=\"" + password + "\";");
    environment.put("KAFKA_SSL_TRUSTSTORE_LOCATION", trusted.truststore().toString());
    environment.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", trusted.password());
    environment.put("KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12");
    return environment;
  }

  private static FaultRun.Settings settings(String name, Map<String, String> environment) {
    FaultRun.Settings settings = FaultRun.Settings.of(name, secured.bootstrapServers(),
        ApicurioRegistry.shared().confluentUrl(), SmallModel.bundle(), SmallModel.data().test());
    for (Map.Entry<String, String> variable : environment.entrySet()) {
      settings = settings.withEnvironment(variable.getKey(), variable.getValue());
    }
    // scanners and verifier use the PLAINTEXT listener; only the classifier goes through SASL_SSL
    return settings;
  }

  @Test
  void classifiesThroughTheSaslSslListener() throws Exception {
    try (FaultRun run = new FaultRun(settings("sasl-ssl", environment(PASSWORD, broker)))) {
      run.instancesConnectTo(secured.securedBootstrapServers());
      run.startInstances(1);
      run.startLoad();
      run.awaitMoreSent(300);
      Verdict verdict = run.stopLoadAndVerify(Duration.ofSeconds(120));
      System.out.println(run.report(verdict));

      assertThat(verdict.differences()).isEmpty();
      assertThat(verdict.distinctVerdicts()).isEqualTo(verdict.good()).isPositive();
    }
  }

  @Test
  void aWrongPasswordStopsItWithOneLineSayingSo() throws Exception {
    String error = failedStart("wrong-password", environment("not-the-password", broker));
    assertThat(error).contains(secured.securedBootstrapServers()).contains("security settings");
  }

  @Test
  void anUntrustedCertificateStopsItWithOneLineSayingSo() throws Exception {
    TestCertificates stranger = TestCertificates.selfSigned(certificates, "stranger");
    String error = failedStart("untrusted", environment(PASSWORD, stranger));
    assertThat(error).contains(secured.securedBootstrapServers()).contains("security settings");
  }

  /** Starts an instance expected to fail; returns its single {@code error:} line. */
  private static String failedStart(String name, Map<String, String> environment) throws Exception {
    try (FaultRun run = new FaultRun(settings(name, environment).withEnvironment("FASHION_STARTUP_TIMEOUT_MS",
        "10000"))) {
      run.instancesConnectTo(secured.securedBootstrapServers());
      ClassifierInstance instance = run.launchInstance();
      assertThat(instance.awaitExit(Duration.ofSeconds(90))).as("it gave up; log %s", instance.log()).isTrue();
      assertThat(instance.exitValue()).isNotZero();
      List<String> errors = Files.readAllLines(instance.log()).stream()
          .filter(line -> line.startsWith("error:")).toList();
      assertThat(errors).as("one error line in %s", instance.log()).hasSize(1);
      System.out.println(name + ": " + errors.get(0));
      return errors.get(0);
    }
  }
}
