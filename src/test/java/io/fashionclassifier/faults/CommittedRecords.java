package io.fashionclassifier.faults;

import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What a {@code read_committed} consumer sees of one topic of Avro records, from its start: every record read so
 * far, in the order read, with when it was read. A test polls it while a run goes on (to wait for a record
 * before it applies a fault) and reads it to its end afterwards. One thread at a time.
 */
final class CommittedRecords<V extends SpecificRecord> implements AutoCloseable {

  /** One record, and when this reader saw it (epoch ms). */
  record Read<V>(String key, V value, long readAtMs) {}

  private final KafkaConsumer<String, V> consumer;
  private final List<TopicPartition> partitions = new ArrayList<>();
  private final List<Read<V>> read = new ArrayList<>();
  private final String topic;

  /** @param serdeConfig the registry settings of the run */
  CommittedRecords(String bootstrap, Map<String, Object> serdeConfig, String topic, Class<V> type) {
    this.topic = topic;
    SpecificAvroDeserializer<V> values = new SpecificAvroDeserializer<>(type);
    values.configure(serdeConfig, false);
    consumer = new KafkaConsumer<>(Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", "committed-records-" + UUID.randomUUID(),
        "enable.auto.commit", false,
        "auto.offset.reset", "earliest",
        "isolation.level", "read_committed"), new StringDeserializer(), values);
    for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
      partitions.add(new TopicPartition(topic, info.partition()));
    }
    if (partitions.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " does not exist");
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Reads what has come since the last call (waiting a moment for it); returns everything read so far. */
  List<Read<V>> poll() {
    long now = System.currentTimeMillis();
    for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
      read.add(new Read<>(record.key(), record.value(), now));
    }
    return List.copyOf(read);
  }

  /**
   * Reads up to the end of every partition as it is now (the last stable offset: committed transactions only) and
   * returns everything read so far.
   */
  List<Read<V>> toEnd(Duration timeout) {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("could not read " + topic + " to its end within " + timeout);
      }
      poll();
    }
    return List.copyOf(read);
  }

  /** The values read so far. */
  List<V> values() {
    return read.stream().map(Read::value).toList();
  }

  @Override
  public void close() {
    consumer.close();
  }
}
