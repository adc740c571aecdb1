package io.fashionclassifier.serde;

/**
 * The serde needed the schema registry and the registry failed as a whole: no complete answer within the timeouts,
 * connection refused, a 5xx, 408 or 429 answer once retries ran out, 401, a 404 that is not a registry's answer, or
 * a refusal of the serializer (409 incompatible, subject not found with auto-registration off). Not a poison pill:
 * the record itself may be fine, so the application must neither dead-letter it nor give up, but retry it once the
 * registry answers. Answers about one schema id only are poison pills instead ({@link UnknownSchemaIdException},
 * {@link UnsupportedSchemaException}, {@link SchemaAccessDeniedException}).
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
