package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka settings the chart renders from a cert-manager Secret ({@code tls.crt}, {@code tls.key} in PKCS#8,
 * {@code ca.crt}), resolved as a kubelet would (secretKeyRefs to the Secret's values, Secret volumes to files at the
 * pod's paths under a temporary root), given to a real Kafka client against a listener that requires a client
 * certificate. No container: what the pod would do with them is Kafka's client code, run here.
 */
class ChartPemKeystoreTest {

  @TempDir static Path certificates;
  @TempDir static Path podRoot;
  private static MutualTlsBroker cluster;

  @BeforeAll
  static void startBroker() {
    cluster = MutualTlsBroker.start(certificates);
  }

  @AfterAll
  static void stopBroker() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Map<String, Object> values() {
    return Map.of("kafka", Map.of("bootstrapServers", cluster.broker().securedBootstrapServers(),
        "securityProtocol", "SASL_SSL",
        "sasl", Map.of("mechanism", "SCRAM-SHA-512", "jaasConfigSecret", Map.of("name", "kafka-credentials")),
        "tls", Map.of("truststoreSecret", Map.of("name", "classifier-tls", "type", "PEM", "key", "ca.crt"),
            "keystoreSecret", Map.of("name", "classifier-tls", "type", "PEM"))));
  }

  private static Map<String, Map<String, byte[]>> secrets(String privateKeyPem) throws IOException {
    return Map.of(
        "kafka-credentials", Map.of("sasl.jaas.config", MutualTlsBroker.jaasConfig().getBytes(StandardCharsets.UTF_8)),
        "classifier-tls", Map.of(
            "tls.crt", Files.readAllBytes(cluster.client().pemCertificate()),
            "tls.key", privateKeyPem.getBytes(StandardCharsets.UTF_8),
            "ca.crt", Files.readAllBytes(cluster.brokerCertificate().pemCertificate())));
  }

  @Test
  void aPemKeyAndChainFromTheSecretAuthenticateTheClient() throws Exception {
    Map<String, Object> client = clientConfig(RenderedChart.render(values()), secrets(cluster.clientKeyPem()));
    assertThat(client).containsEntry("ssl.keystore.type", "PEM").containsEntry("ssl.truststore.type", "PEM");
    try (Admin admin = Admin.create(client)) {
      assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  @Test
  void aPkcs1KeyCertManagersDefaultEncodingIsRefused() throws Exception {
    // PKCS#8 of an RSA key wraps its PKCS#1 form after a fixed header (version, algorithm): cut it off
    String pkcs8 = cluster.clientKeyPem();
    byte[] der = java.util.Base64.getMimeDecoder().decode(pkcs8.replaceAll("-----[A-Z ]+-----", ""));
    byte[] pkcs1 = Arrays.copyOfRange(der, 26, der.length);
    Map<String, Object> client = clientConfig(RenderedChart.render(values()),
        secrets(MutualTlsBroker.pem("RSA PRIVATE KEY", pkcs1)));
    assertThatThrownBy(() -> Admin.create(client).close())
        .hasStackTraceContaining("Invalid PEM keystore configs")
        .hasStackTraceContaining("Private key could not be loaded");
  }

  /** The client settings of the classifier in the rendered pod, with Secrets resolved as the kubelet does. */
  private static Map<String, Object> clientConfig(RenderedChart chart, Map<String, Map<String, byte[]>> secrets)
      throws IOException {
    Map<String, String> environment = new HashMap<>();
    for (EnvVar var : chart.classifier().getEnv()) {
      if (var.getValue() != null) {
        environment.put(var.getName(), var.getValue());
      } else if (var.getValueFrom().getSecretKeyRef() != null) {
        var ref = var.getValueFrom().getSecretKeyRef();
        environment.put(var.getName(), new String(secrets.get(ref.getName()).get(ref.getKey()), StandardCharsets.UTF_8));
      }
    }
    for (VolumeMount mount : chart.classifier().getVolumeMounts()) {
      Volume volume = chart.podTemplate().getSpec().getVolumes().stream()
          .filter(v -> v.getName().equals(mount.getName())).findFirst().orElse(null);
      if (volume == null || volume.getSecret() == null) {
        continue;
      }
      Path directory = podRoot.resolve(mount.getMountPath().substring(1));
      Files.createDirectories(directory);
      for (KeyToPath item : volume.getSecret().getItems()) {
        Files.write(directory.resolve(item.getPath()), secrets.get(volume.getSecret().getSecretName()).get(item.getKey()));
      }
      environment.replaceAll((name, value) -> value.startsWith(mount.getMountPath() + "/")
          ? directory.resolve(value.substring(mount.getMountPath().length() + 1)).toString() : value);
    }
    Map<String, Object> client = new HashMap<>(ClassifierConfig.load(null, environment, Map.of()).clientConfig());
    client.put("request.timeout.ms", 10_000);
    client.put("default.api.timeout.ms", 20_000);
    return client;
  }
}
