package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the production image ({@code -Dfashion.classifier.image}, built by Jib in .ci/docker-up) carries: the
 * Kafka clients and Streams, not the broker that only {@code demo} and {@code stack} run in-process (kafka_2.13,
 * the server modules, Scala, log4j); and those two commands, run from the image, say so in one line.
 */
class ImageContentsTest {

  private static String image;

  @BeforeAll
  static void requireImage() {
    image = LocalImages.classifier();
  }

  @Test
  void theImageCarriesTheKafkaClientsButNotTheBrokerScalaOrLog4j() {
    List<String> libraries = DockerPod.Docker.run(List.of("run", "--rm", "--network", "none", "--entrypoint", "ls",
        image, "/app/libs")).lines().toList();

    assertThat(libraries).anyMatch(jar -> jar.startsWith("kafka-clients-"))
        .anyMatch(jar -> jar.startsWith("kafka-streams-"))
        .anyMatch(jar -> jar.startsWith("mxnet-native-mkl-"));
    assertThat(libraries).noneMatch(jar -> jar.startsWith("kafka_2.13-") || jar.startsWith("kafka-server")
        || jar.startsWith("kafka-raft-") || jar.startsWith("kafka-metadata-") || jar.startsWith("scala-")
        || jar.startsWith("log4j-core-"));
  }

  @Test
  void demoFromTheImageSaysInOneLineThatTheBrokerIsLeftOutAndWhereToRunIt() throws Exception {
    Process demo = new ProcessBuilder("docker", "run", "--rm", "--network", "none", image, "demo")
        .redirectErrorStream(true).start();
    demo.getOutputStream().close();
    String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(demo.waitFor(2, TimeUnit.MINUTES)).isTrue();

    assertThat(demo.exitValue()).as(output).isEqualTo(2);
    List<String> lines = output.lines().filter(line -> !line.startsWith("Picked up JAVA_TOOL_OPTIONS")).toList();
    assertThat(lines).as(output).singleElement().asString()
        .startsWith("error: 'demo' runs a Kafka broker in-process, which this distribution leaves out")
        .contains("java -jar fashion-classifier.jar demo");
  }
}
