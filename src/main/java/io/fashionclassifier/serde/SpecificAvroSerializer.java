package io.fashionclassifier.serde;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/** Writes generated Avro classes in the schema registry wire format (see {@link KafkaAvroSerializer}). */
public final class SpecificAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

  private final KafkaAvroSerializer inner;

  public SpecificAvroSerializer() {
    inner = new KafkaAvroSerializer();
  }

  public SpecificAvroSerializer(SchemaRegistryClient client) {
    inner = new KafkaAvroSerializer(client);
  }

  @Override
  public void configure(Map<String, ?> props, boolean isKey) {
    inner.configure(props, isKey);
  }

  @Override
  public byte[] serialize(String topic, T record) {
    return inner.serialize(topic, record);
  }

  @Override
  public byte[] serialize(String topic, Headers headers, T record) {
    return inner.serialize(topic, headers, record);
  }

  @Override
  public void close() {
    inner.close();
  }
}
