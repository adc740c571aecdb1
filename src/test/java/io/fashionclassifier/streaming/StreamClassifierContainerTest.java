package io.fashionclassifier.streaming;

import io.fashionclassifier.local.LoopbackPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.deployment.LocalImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.training.Evaluation;
import io.fashionclassifier.local.ApicurioRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * The integration test with the classifier as users run it, from its container image ({@code
 * -Dfashion.classifier.image}, built by Jib in .ci/docker-up; default {@value #DEFAULT_CLASSIFIER_IMAGE}) with a
 * read-only root filesystem, no capabilities and writable tmpfs mounts only, against a broker in a container
 * (image from {@code -Dfashion.kafka.image}, default {@value #DEFAULT_IMAGE}) and the real Apicurio registry.
 * Skipped, with the reason, where there is no Docker engine or an image cannot be had.
 *
 * <p>The containers use the host's network (the engine here runs without a bridge; see the docker-offline notes),
 * on free ports chosen by the test. The broker is configured both the way the official {@code apache/kafka} image
 * reads its settings ({@code KAFKA_<PROPERTY>} variables, which the local image honours too) and the way this
 * project's local image did before ({@code KAFKA_PORT}, {@code KAFKA_CONTROLLER_PORT}, {@code KAFKA_ADVERTISED_HOST}).
 */
class StreamClassifierContainerTest {

  static final String DEFAULT_IMAGE = "apache/kafka:4.1.0";
  /** What {@code ./mvnw compile jib:dockerBuild} builds; .ci/docker-up passes its own with -Dfashion.classifier.image. */
  static final String DEFAULT_CLASSIFIER_IMAGE = "fashion-classifier:0.1.0-SNAPSHOT";
  private static final int IMAGES = 2_000;

  @Test
  void classifiesEveryImageOnceAndMatchesTheOfflineAccuracyWithTheClassifierImageOnAContainerisedBroker()
      throws Exception {
    String image = System.getProperty("fashion.kafka.image", DEFAULT_IMAGE);
    String classifierImage = System.getProperty("fashion.classifier.image", DEFAULT_CLASSIFIER_IMAGE);
    assumeImageAvailable(image);
    assumeImageAvailable(classifierImage);
    int[] ports = LoopbackPorts.free(3);
    int port = ports[0];
    int controllerPort = ports[1];
    int httpPort = ports[2];
    String bootstrap = "127.0.0.1:" + port;
    String run = UUID.randomUUID().toString().substring(0, 8);
    ApicurioRegistry registry = ApicurioRegistry.shared();
    Path models = readableCopy(SmallModel.bundle());
    try (GenericContainer<?> kafka = new GenericContainer<>(DockerImageName.parse(image))
        .withNetworkMode("host")
        .withEnv("KAFKA_PORT", Integer.toString(port))
        .withEnv("KAFKA_CONTROLLER_PORT", Integer.toString(controllerPort))
        .withEnv("KAFKA_ADVERTISED_HOST", "127.0.0.1")
        .withEnv("KAFKA_NODE_ID", "1")
        .withEnv("KAFKA_PROCESS_ROLES", "broker,controller")
        .withEnv("KAFKA_LISTENERS", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort)
        .withEnv("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://" + bootstrap)
        .withEnv("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
        .withEnv("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT")
        .withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@127.0.0.1:" + controllerPort)
        .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
        .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
        .waitingFor(new BrokerAnswers(bootstrap))
        .withStartupTimeout(Duration.ofMinutes(2));
        // the classifier as users run it: the image built here (Jib), hardened as the Helm chart runs it
        GenericContainer<?> classifier = new GenericContainer<>(DockerImageName.parse(classifierImage))
            .withNetworkMode("host")
            .withCommand("stream")
            .withEnv("FASHION_BOOTSTRAP_SERVERS", bootstrap)
            .withEnv("FASHION_APPLICATION_ID", "container-" + run)
            .withEnv("FASHION_SCHEMA_REGISTRY_URL", registry.confluentUrl())
            .withEnv("FASHION_TOPICS_PARTITIONS", "2")
            .withEnv("FASHION_HTTP_PORT", Integer.toString(httpPort))
            // binds set on the engine's call itself: Testcontainers' own file binds first probe the engine with an
            // image it pulls (minutes lost where nothing can be pulled)
            .withCreateContainerCmdModifier(create -> create.getHostConfig()
                .withBinds(new Bind(models.toString(), new Volume("/models"), AccessMode.ro))
                .withTmpFs(Map.of("/tmp", "rw,exec", "/var/cache/djl", "rw,exec",
                    "/var/lib/fashion-classifier", "rw,exec"))
                .withReadonlyRootfs(true)
                .withCapDrop(com.github.dockerjava.api.model.Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges")))) {
      kafka.start();
      classifier.start();
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
          .failFast("the classifier container exited:\n" + "see its log", () -> !classifier.isRunning())
          .until(() -> ready(httpPort));

      ClassifierConfig config = ClassifierConfig.of(Map.of(
          StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ClassifierConfig.SCHEMA_REGISTRY_URL, registry.confluentUrl()));
      LabelledImages test = SmallModel.data().test().slice(0, IMAGES);
      KafkaTestClients.produceImages(bootstrap, config.serdeConfig(), config.inputTopic(), test, IMAGES);
      List<ConsumerRecord<String, byte[]>> classified = KafkaTestClients.readCommitted(bootstrap,
          config.classifiedTopic(), KafkaTestClients.bytes(), records -> distinctKeys(records) >= IMAGES,
          Duration.ofMinutes(3), Duration.ofSeconds(1));
      Map<String, Long> perItem = classified.stream()
          .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      assertThat(perItem)
          .withFailMessage(() -> diagnosis(perItem, classifier, bootstrap, config, kafka))
          .hasSize(IMAGES);
      assertThat(perItem.values()).containsOnly(1L);

      SpecificAvroDeserializer<AccuracyAggregate> figures = new SpecificAvroDeserializer<>();
      figures.configure(config.serdeConfig(), false);
      Map<String, AccuracyAggregate> latest = new HashMap<>();
      KafkaTestClients.readCommitted(bootstrap, config.aggregatesTopic(), figures, records -> {
        records.forEach(r -> latest.put(r.key(), r.value()));
        return latest.containsKey("OVERALL:all") && latest.get("OVERALL:all").getLabelled() == IMAGES;
      }, Duration.ofMinutes(1), Duration.ZERO);
      Evaluation offline;
      try (ModelBundle bundle = ModelBundle.load(SmallModel.bundle());
          BatchClassifier model = bundle.newClassifier()) {
        offline = Evaluation.run(model, test, FashionMnist.CLASS_NAMES);
      }
      assertThat(latest.get("OVERALL:all").getCorrect()).isEqualTo(offline.correct());
    } finally {
      FileUtils.deleteQuietly(models.toFile());
    }
  }

  private static boolean ready(int port) {
    try {
      HttpResponse<Void> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
          HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** The container runs as another user than the test: a world-readable copy of the bundle. */
  private static Path readableCopy(Path bundle) throws IOException {
    Path copy = Files.createTempDirectory("container-model-");
    FileUtils.copyDirectory(bundle.toFile(), copy.toFile());
    try (Stream<Path> paths = Files.walk(copy)) {
      for (Path path : paths.toList()) {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
            Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return copy;
  }

  private static long distinctKeys(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().map(ConsumerRecord::key).distinct().count();
  }

  /** What a failure needs to be told apart: lost, dead-lettered, stalled (app stopped?) or a broker problem. */
  private static String diagnosis(Map<String, Long> perItem, GenericContainer<?> classifier, String bootstrap,
      ClassifierConfig config, GenericContainer<?> kafka) {
    List<String> missing = IntStream.range(0, IMAGES).mapToObj(KafkaTestClients::itemId)
        .filter(id -> !perItem.containsKey(id)).toList();
    List<String> letters = KafkaTestClients.readCommitted(bootstrap, config.deadLetterTopic(),
            KafkaTestClients.bytes(), records -> false, Duration.ofSeconds(5), Duration.ZERO).stream()
        .map(r -> r.key() + " (" + KafkaTestClients.header(r.headers(), DeadLetters.EXCEPTION) + ": "
            + KafkaTestClients.header(r.headers(), DeadLetters.MESSAGE) + ")")
        .toList();
    List<String> brokerProblems = kafka.getLogs().lines()
        .filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")).toList();
    List<String> classifierLog = classifier.getLogs().lines().toList();
    return String.format("%d of %d items classified; %d missing, first %s; classifier log (last 30):%n%s%n"
            + " %d dead letters %s; broker warnings and errors (last 20):%n%s",
        perItem.size(), IMAGES, missing.size(), missing.subList(0, Math.min(10, missing.size())),
        String.join("\n", classifierLog.subList(Math.max(0, classifierLog.size() - 30), classifierLog.size())),
        letters.size(), letters.subList(0, Math.min(10, letters.size())),
        String.join("\n", brokerProblems.subList(Math.max(0, brokerProblems.size() - 20), brokerProblems.size())));
  }

  private static void assumeImageAvailable(String image) {
    boolean docker;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      docker = false;
    }
    // off CI the same checks still run against local.KafkaBroker in StreamClassifierIntegrationTest
    LocalImages.requireEngine(docker);
    var client = DockerClientFactory.instance().client();
    try {
      client.inspectImageCmd(image).exec();
      return;
    } catch (RuntimeException notLocal) {
      // try to pull it below
    }
    try {
      boolean pulled = client.pullImageCmd(image)
          .exec(new com.github.dockerjava.api.command.PullImageResultCallback())
          .awaitCompletion(2, TimeUnit.MINUTES);
      Assumptions.assumeTrue(pulled, "pulling " + image + " timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Assumptions.abort("interrupted while pulling " + image);
    } catch (RuntimeException e) {
      Assumptions.abort("Kafka image " + image + " is not available locally and cannot be pulled ("
          + e.getMessage() + "); set -Dfashion.kafka.image to a local image");
    }
  }

  /** Host networking maps no ports, so readiness is checked on the broker itself: port open, node registered. */
  private static final class BrokerAnswers extends AbstractWaitStrategy {
    private final String bootstrap;

    BrokerAnswers(String bootstrap) {
      this.bootstrap = bootstrap;
    }

    @Override
    protected void waitUntilReady() {
      String[] hostPort = bootstrap.split(":");
      long deadline = System.nanoTime() + startupTimeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (!waitStrategyTarget.isRunning()) {
          throw new org.testcontainers.containers.ContainerLaunchException(
              "the Kafka container exited before it answered; see its log above");
        }
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 500);
          try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
              return;
            }
          }
        } catch (Exception notYet) {
          // not listening, or not registered with its controller yet
        }
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      throw new org.testcontainers.containers.ContainerLaunchException(
          "Kafka at " + bootstrap + " did not answer within " + startupTimeout);
    }
  }
}
