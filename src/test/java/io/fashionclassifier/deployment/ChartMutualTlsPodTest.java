package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fashionclassifier.faults.TestCertificates;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.local.LoopbackPorts;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import io.fashionclassifier.streaming.SmallModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chart's pod against a broker listener that requires a client certificate (SASL_SSL with
 * {@code ssl.client.auth=required}), configured only from Secrets as a cluster gives them: a PKCS12 keystore and its
 * password as a Strimzi {@code KafkaUser} of type {@code tls} makes them ({@code user.p12}, {@code user.password}),
 * the brokers' CA as a PEM {@code ca.crt}, the SCRAM login line. {@link DockerPod} mounts and injects them as a
 * kubelet would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartMutualTlsPodTest {

  private static final int IMAGES = 100;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private Path certificates;
  private Path models;
  private Path stateClaim;
  private MutualTlsBroker cluster;
  private KafkaBroker broker;
  private RenderedChart chart;
  private DockerPod pod;

  @BeforeAll
  void renderAndStart() throws IOException {
    String classifierImage = LocalImages.classifier();
    certificates = Files.createTempDirectory("mtls-");
    cluster = MutualTlsBroker.start(certificates);
    broker = cluster.broker();
    TestCertificates client = cluster.client();
    models = Files.createTempDirectory("claim-models-");
    FileUtils.copyDirectory(SmallModel.bundle().toFile(), models.toFile());
    stateClaim = Files.createTempDirectory("claim-state-");
    chart = RenderedChart.render(Map.of(
        "image", PodValues.localImage(classifierImage),
        "model", Map.of("image", Map.of("repository", ""), "existingClaim", "models"),
        "kafka", Map.of("bootstrapServers", broker.securedBootstrapServers(), "applicationId", "mtls-" + run,
            "securityProtocol", "SASL_SSL",
            "sasl", Map.of("mechanism", "SCRAM-SHA-512", "jaasConfigSecret", Map.of("name", "kafka-credentials")),
            "tls", Map.of(
                "truststoreSecret", Map.of("name", "shop-cluster-ca-cert", "type", "PEM", "key", "ca.crt"),
                "keystoreSecret", Map.of("name", "shop-fashion-classifier"))),
        "schemaRegistry", Map.of("url", ApicurioRegistry.shared().confluentUrl()),
        "topics", PodValues.topics(run),
        "http", Map.of("port", LoopbackPorts.free(1)[0]),
        "resources", PodValues.resources()));
    Map<String, Map<String, byte[]>> secrets = Map.of(
        "kafka-credentials", Map.of("sasl.jaas.config", MutualTlsBroker.jaasConfig().getBytes(StandardCharsets.UTF_8)),
        "shop-cluster-ca-cert", Map.of("ca.crt", Files.readAllBytes(cluster.brokerCertificate().pemCertificate())),
        "shop-fashion-classifier", Map.of("user.p12", Files.readAllBytes(client.keystore()),
            "user.password", client.password().getBytes(StandardCharsets.UTF_8)));
    PodSpec spec = chart.podTemplate().getSpec();
    pod = DockerPod.start("shop-fashion-classifier-0", spec, Map.of("state", stateClaim, "models", models), secrets);
  }

  @AfterAll
  void stopEverything() {
    if (pod != null) {
      pod.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    for (Path directory : new Path[] {certificates, models, stateClaim}) {
      if (directory != null) {
        FileUtils.deleteQuietly(directory.toFile());
      }
    }
  }

  @Test
  @Order(1)
  void classifiesThroughAListenerThatRequiresItsCertificate() {
    pod.awaitReady(Duration.ofMinutes(3));
    ClassifierConfig config = ClassifierConfig.load(null, chart.literalEnv(), Map.of());
    // the test's own clients use the broker's PLAINTEXT listener
    KafkaTestClients.produceImages(broker.bootstrapServers(), config.serdeConfig(), config.inputTopic(),
        SmallModel.data().test(), IMAGES);
    List<ConsumerRecord<String, byte[]>> classified = KafkaTestClients.readCommitted(broker.bootstrapServers(),
        config.classifiedTopic(), KafkaTestClients.bytes(),
        records -> records.stream().map(ConsumerRecord::key).distinct().count() >= IMAGES,
        Duration.ofMinutes(2), Duration.ofSeconds(1));
    Map<String, Long> perItem = classified.stream()
        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
    assertThat(perItem).as(pod.logs()).hasSize(IMAGES);
    assertThat(perItem.values()).containsOnly(1L);
    assertThat(pod.logs()).as("the SCRAM password, which the JAAS line from the Secret holds")
        .doesNotContain(MutualTlsBroker.PASSWORD);
  }

  @Test
  @Order(2)
  void theListenerRefusesTheSameSettingsWithoutTheCertificate() {
    Map<String, Object> withoutKeystore = Map.of("bootstrap.servers", broker.securedBootstrapServers(),
        "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
        "sasl.jaas.config", MutualTlsBroker.jaasConfig(),
        "ssl.truststore.type", "PEM",
        "ssl.truststore.location", cluster.brokerCertificate().pemCertificate().toString(),
        "request.timeout.ms", 10_000, "default.api.timeout.ms", 20_000);
    try (Admin admin = Admin.create(withoutKeystore)) {
      assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(SslAuthenticationException.class);
    }
  }
}
