package io.fashionclassifier.serde;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka Streams serde for generated Avro classes in the schema registry wire format; a drop-in replacement for
 * Confluent's {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde} (same configuration keys).
 *
 * <pre>{@code
 * SpecificAvroSerde<InventoryImage> images = new SpecificAvroSerde<>();
 * images.configure(Map.of("schema.registry.url", "http://localhost:8081"), false);
 * builder.stream("inventory-images", Consumed.with(Serdes.String(), images));
 * }</pre>
 */
public final class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {

  private final SpecificAvroSerializer<T> serializer;
  private final SpecificAvroDeserializer<T> deserializer;

  public SpecificAvroSerde() {
    serializer = new SpecificAvroSerializer<>();
    deserializer = new SpecificAvroDeserializer<>();
  }

  /** Uses the given client for both directions; {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL} is then optional. */
  public SpecificAvroSerde(SchemaRegistryClient client) {
    this(client, null);
  }

  /** Reads only {@code type}; see {@link SpecificAvroDeserializer#SpecificAvroDeserializer(Class)}. */
  public SpecificAvroSerde(Class<T> type) {
    this(null, type);
  }

  /**
   * @param client the registry client for both directions, or null to create them from the configuration
   * @param type the only class to read, or null for the class named by each writer schema
   */
  public SpecificAvroSerde(SchemaRegistryClient client, Class<T> type) {
    serializer = new SpecificAvroSerializer<>(client);
    deserializer = new SpecificAvroDeserializer<>(client, type);
  }

  @Override
  public void configure(Map<String, ?> props, boolean isKey) {
    serializer.configure(props, isKey);
    deserializer.configure(props, isKey);
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }

  @Override
  public void close() {
    serializer.close();
    deserializer.close();
  }
}
