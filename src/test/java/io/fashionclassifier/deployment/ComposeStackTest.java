package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.local.LoopbackPorts;
import io.fashionclassifier.streaming.KafkaTestClients;
import io.fashionclassifier.streaming.SmallModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The top-level docker-compose.yml brought up for real by docker-compose (Debian's 1.29 here), with the local
 * stand-ins for the third-party images substituted through the file's image variables, on free ports. This
 * machine's engine has no bridge network, so the stack runs with the host-network override; the default files
 * (Compose's own network and published ports, as on Docker Desktop) are checked by docker-compose's own parser.
 */
class ComposeStackTest {

  private static final int SCANS = 300;
  private static final List<String> HOST_NETWORK =
      List.of("--file", "docker-compose.yml", "--file", "docker-compose.host-network.yml");
  /** What {@code docker compose up} reads by itself: docker-compose.yml and docker-compose.override.yml. */
  private static final List<String> DEFAULT = List.of();

  @Test
  void theDefaultFileUsesComposesNetworkByServiceNameAndTheKafkaTheProjectUses() throws IOException {
    Map<String, String> env = new LinkedHashMap<>(System.getenv());
    Assumptions.assumeTrue(compose(env, List.of("version")).exit == 0 || "true".equals(System.getenv("CI")),
        "docker-compose is not installed (.ci/docker-up installs it)");
    Result config = compose(env, DEFAULT, List.of("config"));
    assertThat(config.exit).as(config.output).isZero();

    assertThat(config.output).doesNotContain("network_mode");
    assertThat(config.output).contains("FASHION_BOOTSTRAP_SERVERS: kafka:19092",
        "FASHION_SCHEMA_REGISTRY_URL: http://schema-registry:8081");
    assertThat(config.output).as("the host reaches Kafka, the registry and the classifier on published ports")
        .contains("published: 9092", "published: 8081", "published: 8080");
    assertThat(config.output).contains("image: apache/kafka:" + kafkaClientsVersion());
  }

  @Test
  void theScannerSendsImagesTheClassifierClassifiesThemAndDownLeavesNothingBehind() throws Exception {
    Map<String, String> env = new LinkedHashMap<>(System.getenv());
    env.put("FASHION_CLASSIFIER_IMAGE", LocalImages.classifier());
    env.put("KAFKA_IMAGE", LocalImages.kafka());
    env.put("SCHEMA_REGISTRY_IMAGE", LocalImages.registry());
    Assumptions.assumeTrue(compose(env, List.of("version")).exit == 0 || "true".equals(System.getenv("CI")),
        "docker-compose is not installed (.ci/docker-up installs it)");
    int[] ports = LoopbackPorts.free(5);
    String project = "fc" + UUID.randomUUID().toString().substring(0, 8);
    env.put("KAFKA_PORT", Integer.toString(ports[0]));
    env.put("KAFKA_CONTROLLER_PORT", Integer.toString(ports[1]));
    env.put("SCHEMA_REGISTRY_PORT", Integer.toString(ports[2]));
    env.put("SCHEMA_REGISTRY_MANAGEMENT_PORT", Integer.toString(ports[3]));
    env.put("CLASSIFIER_HTTP_PORT", Integer.toString(ports[4]));
    env.put("SCHEMA_REGISTRY_PATH", "/apis/ccompat/v7");
    env.put("TOPIC_PARTITIONS", "2");
    env.put("SCAN_COUNT", Integer.toString(SCANS));
    env.put("SCAN_RATE", "0");
    // the model service finds a bundle and skips training (the train command has tests of its own)
    Path models = readableCopyOfTheSmallModel();
    env.put("FASHION_MODELS", models.toString());
    env.put("FASHION_MNIST_HOST_DIR", FashionMnist.locate(null, System.getenv()).toAbsolutePath().toString());
    env.put("COMPOSE_PROJECT_NAME", project);
    String bootstrap = "127.0.0.1:" + ports[0];
    try {
      Result up = compose(env, HOST_NETWORK, List.of("up", "--detach"));
      assertThat(up.exit).as("docker-compose up:%n%s%n%s", up.output, logs(env)).isZero();

      List<ConsumerRecord<String, byte[]>> classified = KafkaTestClients.readCommitted(bootstrap,
          "classified-items", KafkaTestClients.bytes(),
          records -> records.stream().map(ConsumerRecord::key).distinct().count() >= SCANS,
          Duration.ofMinutes(3), Duration.ofSeconds(1));
      Map<String, Long> perItem = classified.stream()
          .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      assertThat(perItem).as("classified items; logs:%n%s", logs(env)).hasSize(SCANS);
      assertThat(perItem.values()).containsOnly(1L);
    } finally {
      Result down = compose(env, HOST_NETWORK, List.of("down", "--volumes", "--timeout", "30"));
      assertThat(down.exit).as("docker-compose down: %s", down.output).isZero();
    }
    FileUtils.deleteQuietly(models.toFile());
    String label = "label=com.docker.compose.project=" + project;
    assertThat(DockerPod.Docker.run(List.of("ps", "--all", "--quiet", "--filter", label))).isBlank();
    assertThat(DockerPod.Docker.run(List.of("volume", "ls", "--quiet", "--filter", label))).isBlank();
    assertThat(DockerPod.Docker.run(List.of("network", "ls", "--quiet", "--filter", label))).isBlank();
  }

  /** The version of the Kafka clients on the classpath, as they record it. */
  private static String kafkaClientsVersion() throws IOException {
    java.util.Properties properties = new java.util.Properties();
    try (var in = org.apache.kafka.clients.producer.KafkaProducer.class.getResourceAsStream(
        "/kafka/kafka-version.properties")) {
      properties.load(in);
    }
    return properties.getProperty("version");
  }

  /** The containers run as another user than the test: the bundle must be world-readable. */
  private static Path readableCopyOfTheSmallModel() throws IOException {
    Path models = Files.createTempDirectory("compose-models-");
    FileUtils.copyDirectory(SmallModel.bundle().toFile(), models.resolve("default").toFile());
    try (Stream<Path> paths = Files.walk(models)) {
      for (Path path : paths.toList()) {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
            Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return models;
  }

  private static String logs(Map<String, String> env) {
    Result logs = compose(env, HOST_NETWORK, List.of("logs", "--no-color", "--tail", "40"));
    return logs.output;
  }

  private record Result(int exit, String output) {}

  private static Result compose(Map<String, String> env, List<String> args) {
    return compose(env, DEFAULT, args);
  }

  private static Result compose(Map<String, String> env, List<String> files, List<String> args) {
    List<String> command = new ArrayList<>(List.of("docker-compose"));
    command.addAll(files);
    command.addAll(args);
    try {
      Path output = Files.createTempFile("compose-", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(output.toFile());
      builder.environment().clear();
      builder.environment().putAll(env);
      Process process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(6, TimeUnit.MINUTES)) {
        process.destroyForcibly();
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      Files.delete(output);
      return new Result(process.exitValue(), text.length() > 20_000 ? text.substring(text.length() - 20_000) : text);
    } catch (IOException e) {
      if (args.equals(List.of("version"))) {
        return new Result(127, e.getMessage());
      }
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
