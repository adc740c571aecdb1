package io.fashionclassifier.serde;

/**
 * The serde needed the schema registry and it failed: unreachable, a 5xx answer after retries, or a refusal
 * such as an incompatible schema (409) or a subject not found with auto-registration off. Not a poison pill: the
 * record itself may be fine, so a dead-letter handler should fail instead of dropping it.
 */
public final class SchemaRegistryAccessException extends AvroSerializationException {

  private static final long serialVersionUID = 1L;

  public SchemaRegistryAccessException(String problem, String topic, boolean isKey, int schemaId,
      SchemaRegistryException cause) {
    super(problem + ": " + cause.getMessage(), topic, isKey, schemaId, cause);
  }

  /** Confluent's error_code of the registry's answer, {@link SchemaRegistryException#UNREACHABLE} when none. */
  public int errorCode() {
    return ((SchemaRegistryException) getCause()).errorCode();
  }

  @Override
  public boolean isPoisonPill() {
    return false;
  }
}
