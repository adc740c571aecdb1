package io.fashionclassifier.serde;

/** The registry has no schema with the payload's id (error_code 40403): written against another registry, or corrupt. */
public final class UnknownSchemaIdException extends AvroSerializationException {

  private static final long serialVersionUID = 1L;

  public UnknownSchemaIdException(String topic, boolean isKey, int schemaId, SchemaRegistryException cause) {
    super("Schema id " + schemaId + " not found in the schema registry", topic, isKey, schemaId, cause);
  }
}
