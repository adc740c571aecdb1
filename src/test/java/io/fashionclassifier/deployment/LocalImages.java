package io.fashionclassifier.deployment;

import org.junit.jupiter.api.Assumptions;

/**
 * The images .ci/docker-up builds, named by system properties: {@code fashion.classifier.image} (Jib, this
 * project), {@code fashion.kafka.image} and {@code fashion.registry.image} (stand-ins for the official Kafka and
 * Apicurio images). Tests skip, saying why, where there is no engine; on CI, which has one, a missing image fails.
 */
final class LocalImages {

  private LocalImages() {}

  static String classifier() {
    return required("fashion.classifier.image", "the classifier image (./mvnw compile jib:dockerBuild)");
  }

  static String kafka() {
    return required("fashion.kafka.image", "a Kafka image honouring apache/kafka's KAFKA_* contract");
  }

  static String registry() {
    return required("fashion.registry.image", "a schema registry image (Apicurio)");
  }

  private static String required(String property, String what) {
    boolean engine = DockerPod.Docker.available();
    boolean ci = "true".equals(System.getenv("CI"));
    Assumptions.assumeTrue(engine || ci, "no Docker engine reachable: container tests skipped (.ci/docker-up"
        + " starts one)");
    if (!engine) {
      throw new AssertionError("CI has a Docker engine (.ci/docker-up), but none answers");
    }
    String image = System.getProperty(property, "");
    if (image.isBlank() || !DockerPod.Docker.imageExists(image)) {
      String reason = "-D" + property + " names no local image (" + what + "): .ci/docker-up builds it";
      if (ci) {
        throw new AssertionError(reason);
      }
      Assumptions.abort(reason);
    }
    return image;
  }
}
