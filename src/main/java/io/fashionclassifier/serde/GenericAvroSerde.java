package io.fashionclassifier.serde;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka Streams serde for {@link GenericRecord}s in the schema registry wire format; a drop-in replacement for
 * Confluent's {@code io.confluent.kafka.streams.serdes.avro.GenericAvroSerde}. Records are read with their
 * writer schema, or with the subject's latest schema when {@value AvroSerdeConfig#USE_LATEST_VERSION}=true.
 */
public final class GenericAvroSerde implements Serde<GenericRecord> {

  private final KafkaAvroSerializer serializer;
  private final KafkaAvroDeserializer deserializer;

  public GenericAvroSerde() {
    serializer = new KafkaAvroSerializer();
    deserializer = new KafkaAvroDeserializer();
  }

  public GenericAvroSerde(SchemaRegistryClient client) {
    serializer = new KafkaAvroSerializer(client);
    deserializer = new KafkaAvroDeserializer(client);
  }

  @Override
  public void configure(Map<String, ?> props, boolean isKey) {
    serializer.configure(props, isKey);
    Map<String, Object> generic = new HashMap<>(props);
    generic.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, false);
    deserializer.configure(generic, isKey);
  }

  @Override
  public Serializer<GenericRecord> serializer() {
    return serializer::serialize;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Deserializer<GenericRecord> deserializer() {
    return (topic, payload) -> (GenericRecord) deserializer.deserialize(topic, payload);
  }

  @Override
  public void close() {
    serializer.close();
    deserializer.close();
  }
}
