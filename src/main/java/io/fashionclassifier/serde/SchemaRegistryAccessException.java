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

  private final String subject;

  public SchemaRegistryAccessException(String problem, String topic, boolean isKey, int schemaId,
      SchemaRegistryException cause) {
    this(problem, topic, isKey, schemaId, null, cause);
  }

  /** A failure about {@code subject} (registering or looking up a schema under it). */
  public SchemaRegistryAccessException(String problem, String topic, boolean isKey, int schemaId, String subject,
      SchemaRegistryException cause) {
    super(problem + ": " + cause.getMessage(), topic, isKey, schemaId, cause);
    this.subject = subject;
  }

  /** The subject the serde was working on, or null when it was looking up a schema by id. */
  public String subject() {
    return subject;
  }

  /** The registry's answer (its HTTP status and error code), or the failure to reach it. */
  public SchemaRegistryException answer() {
    return (SchemaRegistryException) getCause();
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
