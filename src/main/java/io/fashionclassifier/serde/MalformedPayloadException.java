package io.fashionclassifier.serde;

/** The Avro body cannot be decoded with its writer schema (invalid union index, negative length, extra bytes). */
public class MalformedPayloadException extends AvroSerializationException {

  private static final long serialVersionUID = 1L;

  public MalformedPayloadException(String problem, String topic, boolean isKey, int schemaId, Throwable cause) {
    super(problem, topic, isKey, schemaId, cause);
  }
}
