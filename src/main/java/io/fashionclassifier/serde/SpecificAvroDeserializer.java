package io.fashionclassifier.serde;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads payloads in the schema registry wire format into generated Avro classes (see
 * {@link KafkaAvroDeserializer}; {@value AvroSerdeConfig#SPECIFIC_AVRO_READER} is always true here).
 */
public final class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

  private final KafkaAvroDeserializer inner;

  public SpecificAvroDeserializer() {
    inner = new KafkaAvroDeserializer();
  }

  public SpecificAvroDeserializer(SchemaRegistryClient client) {
    inner = new KafkaAvroDeserializer(client);
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
