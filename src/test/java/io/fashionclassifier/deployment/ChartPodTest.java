package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.local.LoopbackPorts;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import io.fashionclassifier.streaming.SmallModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chart's rendered pod spec run in the local Docker engine by {@link DockerPod}, with the image built here
 * and a model image copied by the chart's init container, against a real broker and registry. The tests follow
 * one pod through its life: ready, classifying, under its memory limit, deleted, started again on its volume.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartPodTest {

  private static final int IMAGES = 300;
  private static final String OAUTH_ALLOWED_URLS =
      "-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=https://idp.example.com/token";
  private static final Pattern UUID_PATTERN =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String podName = "shop-fashion-classifier-0";
  private String classifierImage;
  private String modelImage;
  private KafkaBroker broker;
  private ApicurioRegistry registry;
  private Path stateClaim;
  private RenderedChart chart;
  private PodSpec spec;
  private int httpPort;
  private DockerPod pod;
  private String processIdBeforeRestart;

  @BeforeAll
  void renderAndStart() throws IOException {
    classifierImage = LocalImages.classifier();
    broker = KafkaBroker.shared();
    registry = ApicurioRegistry.shared();
    modelImage = buildModelImage();
    httpPort = LoopbackPorts.free(1)[0];
    chart = RenderedChart.render(Map.of(
        "image", PodValues.localImage(classifierImage),
        "model", Map.of("image", PodValues.localImage(modelImage)),
        "kafka", Map.of("bootstrapServers", broker.bootstrapServers(), "applicationId", "pod-" + run),
        "schemaRegistry", Map.of("url", registry.confluentUrl()),
        "topics", PodValues.topics(run),
        "http", Map.of("port", httpPort),
        // what OAUTHBEARER needs on Kafka 4 (docs/deployment.md): a JVM property, beside the chart's own options
        "javaOptions", OAUTH_ALLOWED_URLS,
        "resources", PodValues.resources()));
    spec = chart.podTemplate().getSpec();
    stateClaim = Files.createTempDirectory("claim-state-");
    pod = DockerPod.start(podName, spec, Map.of("state", stateClaim));
  }

  /** The small model's bundle in an image of its own, as docs/deployment.md builds one. */
  private String buildModelImage() throws IOException {
    Path context = Files.createTempDirectory("model-image-");
    try {
      FileUtils.copyDirectory(SmallModel.bundle().toFile(), context.resolve("model").toFile());
      // the classifier image as base: it has cp, and it is local (a user's model image can be FROM busybox)
      Files.writeString(context.resolve("Dockerfile"), "FROM " + classifierImage + "\nCOPY model/ /model/\n");
      String image = "local/fashion-model:" + run;
      DockerPod.Docker.run(List.of("build", "--quiet", "--network", "host", "--tag", image, context.toString()));
      return image;
    } finally {
      FileUtils.deleteQuietly(context.toFile());
    }
  }

  @AfterAll
  void stopEverything() {
    if (pod != null) {
      pod.close();
    }
    if (modelImage != null) {
      DockerPod.Docker.runQuietly(List.of("rmi", "--force", modelImage));
    }
    if (stateClaim != null) {
      FileUtils.deleteQuietly(stateClaim.toFile());
    }
  }

  @Test
  @Order(1)
  void becomesReadyWithoutTheLivenessProbeEverFailingItsThreshold() {
    pod.awaitReady(Duration.ofMinutes(2));
    assertThat(pod.livenessEverFailed()).as(pod.logs()).isFalse();
    assertThat(pod.emptyDir("model").resolve("manifest.json")).as("the init container copied the model").exists();
    // /health answers only once the model is loaded and the topics are checked: until then the startup probe
    // failed, and held the liveness probe back, instead of the liveness probe counting towards a restart
    assertThat(pod.started()).isTrue();
    assertThat(pod.startupFailuresBeforeSuccess()).as("the startup probe waited for the model").isPositive();
    System.out.println("startup probe failures before /health answered: " + pod.startupFailuresBeforeSuccess());
  }

  @Test
  @Order(1)
  void theJvmTakesTheChartsOptionsAndTheUsersJavaOptions() {
    await().atMost(Duration.ofMinutes(2)).until(pod::ready);
    assertThat(pod.allLogs()).contains("Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=50 "
        + "-XX:+ExitOnOutOfMemoryError " + OAUTH_ALLOWED_URLS);
  }

  @Test
  @Order(2)
  void classifiesEveryImageExactlyOnce() {
    Map<String, String> env = chart.literalEnv();
    ClassifierConfig config = ClassifierConfig.load(null, env, Map.of());
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
    assertThat(pod.livenessEverFailed()).isFalse();
  }

  @Test
  @Order(3)
  void isNotOomKilledUnderItsMemoryLimit() {
    assertThat(pod.inspect("{{.HostConfig.Memory}}")).isEqualTo(Long.toString(768L * 1024 * 1024));
    assertThat(pod.running()).as(pod.logs()).isTrue();
    assertThat(pod.oomKilled()).isFalse();
    assertThat(pod.inspect("{{.RestartCount}}")).isEqualTo("0");
  }

  @Test
  @Order(4)
  void stopsCleanlyWithinItsGracePeriod() throws Exception {
    processIdBeforeRestart = processId();
    assertThat(metrics()).contains(processIdBeforeRestart);
    Duration stopping = pod.stop();
    // a requested stop is a clean one: 0, not 143 (the JVM's default for SIGTERM) nor 137 (killed at the end of
    // the grace period)
    assertThat(pod.exitCode()).as(pod.logs()).isZero();
    assertThat(pod.logs()).contains("PENDING_SHUTDOWN -> NOT_RUNNING");
    assertThat(stopping).isLessThan(Duration.ofSeconds(spec.getTerminationGracePeriodSeconds()));
  }

  @Test
  @Order(5)
  void startedAgainWithTheSameNameAndVolumeItResumesFromItsState() throws Exception {
    pod.close();
    pod = DockerPod.start(podName, spec, Map.of("state", stateClaim));
    pod.awaitReady(Duration.ofMinutes(2));
    // Kafka Streams keeps its process id in the state directory: the same id means the same local state
    assertThat(processId()).isEqualTo(processIdBeforeRestart);
    assertThat(metrics()).contains(processIdBeforeRestart);
  }

  private String processId() throws IOException {
    Path app = stateClaim.resolve("state").resolve("pod-" + run);
    try (Stream<Path> files = Files.list(app)) {
      Path metadata = files.filter(f -> f.getFileName().toString().contains("process")).findFirst()
          .orElseThrow(() -> new AssertionError("no process file in " + app));
      Matcher id = UUID_PATTERN.matcher(Files.readString(metadata));
      assertThat(id.find()).isTrue();
      return id.group();
    }
  }

  private String metrics() throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.body();
  }
}
