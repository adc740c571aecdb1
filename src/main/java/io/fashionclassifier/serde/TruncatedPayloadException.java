package io.fashionclassifier.serde;

/** The payload ends before its header (5 bytes) or before the Avro body its writer schema describes. */
public final class TruncatedPayloadException extends MalformedPayloadException {

  private static final long serialVersionUID = 1L;

  public TruncatedPayloadException(String problem, String topic, boolean isKey, int schemaId, Throwable cause) {
    super(problem, topic, isKey, schemaId, cause);
  }
}
