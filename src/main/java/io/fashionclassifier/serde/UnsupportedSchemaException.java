package io.fashionclassifier.serde;

/**
 * The registry answered for the payload's schema id, but with nothing this deserializer can read: a JSON Schema or
 * Protobuf schema, a text the Avro parser rejects, or an answer larger than the client accepts. About this record
 * (its producer used another format or a broken schema), so a poison pill.
 */
public final class UnsupportedSchemaException extends AvroSerializationException {

  private static final long serialVersionUID = 1L;

  public UnsupportedSchemaException(String topic, boolean isKey, int schemaId, SchemaRegistryException cause) {
    super("Schema id " + schemaId + " names no usable Avro schema: " + cause.getMessage(), topic, isKey, schemaId,
        cause);
  }
}
