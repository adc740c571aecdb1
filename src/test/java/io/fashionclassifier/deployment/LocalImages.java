package io.fashionclassifier.deployment;

import org.junit.jupiter.api.Assumptions;

/**
 * The images .ci/docker-up builds, named by system properties: {@code fashion.classifier.image} (Jib, this
 * project), {@code fashion.kafka.image} and {@code fashion.registry.image} (stand-ins for the official Kafka and
 * Apicurio images). Tests skip, saying why, where there is no engine; on CI, which has one, a missing image fails.
 */
public final class LocalImages {

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

  /**
   * Skips the calling test where {@code engineReachable} is false, except on CI, which has an engine
   * (.ci/docker-up): there an engine that does not answer fails the test rather than skipping it unseen.
   */
  public static void requireEngine(boolean engineReachable) {
    Assumptions.assumeTrue(engineReachable || onCi(), "no Docker engine reachable: container tests skipped"
        + " (.ci/docker-up starts one)");
    if (!engineReachable) {
      throw new AssertionError("CI has a Docker engine (.ci/docker-up), but none answers");
    }
  }

  private static boolean onCi() {
    return "true".equals(System.getenv("CI"));
  }

  private static String required(String property, String what) {
    requireEngine(DockerPod.Docker.available());
    boolean ci = onCi();
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
