package io.fashionclassifier.streaming;

import io.fashionclassifier.serde.SchemaRegistryClient;
import java.util.Optional;
import java.util.Set;

/**
 * Whether producers can register an input schema the classifier cannot read. Readers of older schemas can read data
 * of newer ones only under FORWARD or FULL compatibility; Confluent's default, BACKWARD, lets a producer add a field
 * without a default, and every record it then writes is a dead letter.
 */
final class InputSubjectCheck {

  private static final Set<String> SAFE = Set.of("FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

  private InputSubjectCheck() {}

  /** A one-line warning when the subject's level lets producers break the classifier, empty otherwise. */
  static Optional<String> warning(SchemaRegistryClient registry, String subject) {
    String level = registry.compatibilityLevel(subject);
    if (SAFE.contains(level)) {
      return Optional.empty();
    }
    return Optional.of("schema subject '" + subject + "' has compatibility " + level + ": a producer can register "
        + "a schema the classifier cannot read, and its records then go to the dead-letter topic; set it to "
        + "FULL_TRANSITIVE or FORWARD_TRANSITIVE (PUT /config/" + subject
        + " with {\"compatibility\": \"FULL_TRANSITIVE\"})");
  }
}
