package io.fashionclassifier.serde;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads payloads in the schema registry wire format into generated Avro classes (see
 * {@link KafkaAvroDeserializer}; {@value AvroSerdeConfig#SPECIFIC_AVRO_READER} is always true here). It returns
 * generated record classes only: a writer schema of a primitive type is a poison pill
 * ({@link IncompatibleSchemaException}). Give the class ({@link #SpecificAvroDeserializer(Class)}, or
 * {@value AvroSerdeConfig#SPECIFIC_AVRO_VALUE_TYPE}) and a writer schema of any other record type is one too;
 * without it the writer schema picks the class, so a caller casting to {@code T} may get another record type.
 */
public final class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

  private final KafkaAvroDeserializer inner;

  public SpecificAvroDeserializer() {
    this(null, null);
  }

  public SpecificAvroDeserializer(SchemaRegistryClient client) {
    this(client, null);
  }

  /** Reads only {@code type}: a payload written with any schema it cannot read is a poison pill. */
  public SpecificAvroDeserializer(Class<T> type) {
    this(null, type);
  }

  /**
   * @param client the registry client, or null to create one from the configuration
   * @param type the only class to read, or null for the class named by each writer schema
   */
  public SpecificAvroDeserializer(SchemaRegistryClient client, Class<T> type) {
    inner = new KafkaAvroDeserializer(client);
    inner.requireSpecificRecord(type);
  }

  @Override
  public void configure(Map<String, ?> props, boolean isKey) {
    Map<String, Object> specific = new HashMap<>(props);
    specific.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
    inner.configure(specific, isKey);
  }

  @Override
  @SuppressWarnings("unchecked")
  public T deserialize(String topic, byte[] payload) {
    return (T) inner.deserialize(topic, payload);
  }

  @Override
  @SuppressWarnings("unchecked")
  public T deserialize(String topic, Headers headers, byte[] payload) {
    return (T) inner.deserialize(topic, headers, payload);
  }

  @Override
  public void close() {
    inner.close();
  }
}
