package io.fashionclassifier.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Base of every error raised by the Avro serdes. Carries where it happened: the topic, whether it was the
 * record's key or value, and the schema id read from or meant for the payload (-1 when unknown). Kafka does not
 * pass partition and offset to a deserializer; a dead-letter handler adds them from its own context.
 *
 * <p>{@link #isPoisonPill()} tells the two families apart: bad bytes (will fail again on every retry, so belong
 * in a dead-letter topic) and registry failures (transient or configuration problems, which should stop or
 * pause the application rather than drop records).
 */
public class AvroSerializationException extends SerializationException {

  private static final long serialVersionUID = 1L;

  /** Schema id meaning "not known". */
  public static final int NO_SCHEMA_ID = -1;

  private final String topic;
  private final boolean isKey;
  private final int schemaId;

  public AvroSerializationException(String problem, String topic, boolean isKey, int schemaId, Throwable cause) {
    super(problem + " (" + describe(topic, isKey, schemaId) + ")", cause);
    this.topic = topic;
    this.isKey = isKey;
    this.schemaId = schemaId;
  }

  /** The topic, or null when the serde was called without one. */
  public String topic() {
    return topic;
  }

  /** Whether the record's key (rather than its value) failed. */
  public boolean isKey() {
    return isKey;
  }

  /** The schema id read from or meant for the payload, {@link #NO_SCHEMA_ID} when unknown. */
  public int schemaId() {
    return schemaId;
  }

  /** True when the bytes themselves are at fault, so retrying cannot help. */
  public boolean isPoisonPill() {
    return true;
  }

  private static String describe(String topic, boolean isKey, int schemaId) {
    String where = (isKey ? "key" : "value") + " of topic " + (topic == null ? "(none)" : "'" + topic + "'");
    return schemaId == NO_SCHEMA_ID ? where : where + ", schema id " + schemaId;
  }
}
