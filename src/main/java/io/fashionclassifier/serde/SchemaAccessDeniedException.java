package io.fashionclassifier.serde;

/**
 * The registry refused this client the payload's schema (403): the credentials work, but not for this schema id
 * or its subject. About this record, so a poison pill; credentials that work for nothing answer 401, an outage
 * ({@link SchemaRegistryAccessException}).
 */
public final class SchemaAccessDeniedException extends AvroSerializationException {

  private static final long serialVersionUID = 1L;

  public SchemaAccessDeniedException(String topic, boolean isKey, int schemaId, SchemaRegistryException cause) {
    super("The schema registry denies access to schema id " + schemaId + ": " + cause.getMessage(), topic, isKey,
        schemaId, cause);
  }
}
