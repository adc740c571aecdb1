package io.fashionclassifier.streaming;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * A classifier run of its own on the shared broker and registry: an application id and topics named after a fresh
 * run id, the small model, two partitions and an ephemeral HTTP port, so that tests sharing the broker never see
 * each other's records; and the producers and {@code read_committed} readers those tests check a run with.
 */
final class TestRuns {

  private TestRuns() {}

  /**
   * The settings of a new run whose application id starts with {@code prefix}; {@code overrides} replace or add
   * settings (a proxied registry URL, a model repository, one partition...).
   */
  static ClassifierConfig config(String prefix, Map<String, String> overrides) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.shared().bootstrapServers());
    settings.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix + "-" + run);
    settings.put(ClassifierConfig.SCHEMA_REGISTRY_URL, ApicurioRegistry.shared().confluentUrl());
    settings.put(ClassifierConfig.MODEL_DIR, SmallModel.bundle().toString());
    settings.put(ClassifierConfig.TOPIC_INPUT, "images-" + run);
    settings.put(ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + run);
    settings.put(ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + run);
    settings.put(ClassifierConfig.TOPIC_DLQ, "dlq-" + run);
    settings.put(ClassifierConfig.TOPICS_PARTITIONS, "2");
    settings.put(ClassifierConfig.HTTP_PORT, "0");
    settings.putAll(overrides);
    return ClassifierConfig.of(settings);
  }

  /** The run's serde settings, but with the registry reached directly (the run's own URL may be a proxy). */
  static Map<String, Object> directSerdeConfig(ClassifierConfig config) {
    Map<String, Object> direct = new HashMap<>(config.serdeConfig());
    direct.put(ClassifierConfig.SCHEMA_REGISTRY_URL, ApicurioRegistry.shared().confluentUrl());
    return direct;
  }

  /** Serializes images as a scanner would, against the registry directly. */
  static SpecificAvroSerializer<InventoryImage> imageSerializer(ClassifierConfig config) {
    SpecificAvroSerializer<InventoryImage> images = new SpecificAvroSerializer<>();
    images.configure(directSerdeConfig(config), false);
    return images;
  }

  /** A producer of raw bytes, so a test can send what no serializer would; large requests allowed. */
  static KafkaProducer<String, byte[]> producer(String compression) {
    return new KafkaProducer<>(Map.of(
        "bootstrap.servers", KafkaBroker.shared().bootstrapServers(),
        "acks", "all",
        "compression.type", compression,
        "max.request.size", 8 * 1024 * 1024), new StringSerializer(), new ByteArraySerializer());
  }

  /** Sends one record and waits for the broker's acknowledgement. */
  static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value,
      RecordHeaders headers) throws InterruptedException, ExecutionException, TimeoutException {
    producer.send(new ProducerRecord<>(topic, null, key, value, headers)).get(30, TimeUnit.SECONDS);
  }

  /**
   * The run's committed verdicts, read until {@code done} holds or {@code timeout} passes, then for {@code settle}
   * more (see {@link KafkaTestClients#readCommitted}).
   */
  static List<ConsumerRecord<String, ClassifiedItem>> verdicts(ClassifierConfig config,
      Predicate<List<ConsumerRecord<String, ClassifiedItem>>> done, Duration timeout, Duration settle) {
    SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    items.configure(Map.of(ClassifierConfig.SCHEMA_REGISTRY_URL, ApicurioRegistry.shared().confluentUrl()), false);
    return KafkaTestClients.readCommitted(KafkaBroker.shared().bootstrapServers(), config.classifiedTopic(), items,
        done, timeout, settle);
  }

  /** The keys of the run's committed dead letters, read for {@code settle}. */
  static List<String> deadLetterKeys(ClassifierConfig config, Duration settle) {
    return KafkaTestClients.readCommitted(KafkaBroker.shared().bootstrapServers(), config.deadLetterTopic(),
            KafkaTestClients.bytes(), records -> false, Duration.ZERO, settle)
        .stream().map(ConsumerRecord::key).toList();
  }
}
