package io.fashionclassifier.deployment;

import java.util.Map;

/** Chart values the tests that run the rendered pod in the local engine share. */
final class PodValues {

  private PodValues() {}

  /** A local image ({@code repository:tag}) the engine must not try to pull. */
  static Map<String, Object> localImage(String image) {
    int colon = image.lastIndexOf(':');
    return Map.of("repository", image.substring(0, colon), "tag", image.substring(colon + 1), "pullPolicy", "Never");
  }

  /** Topics of their own for one run, two partitions. */
  static Map<String, Object> topics(String run) {
    return Map.of("partitions", 2, "input", "images-" + run, "classified", "classified-" + run,
        "aggregates", "aggregates-" + run, "dlq", "dlq-" + run);
  }

  /** What the classifier's pod gets on the 2-core build machine. */
  static Map<String, Object> resources() {
    return Map.of("requests", Map.of("cpu", "500m", "memory", "768Mi"),
        "limits", Map.of("cpu", "2", "memory", "768Mi"));
  }
}
