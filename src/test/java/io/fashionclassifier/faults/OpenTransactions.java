package io.fashionclassifier.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Whether a topic holds records of a transaction not yet committed or aborted: on some partition the end a
 * {@code read_uncommitted} consumer sees (the high watermark) is past the one a {@code read_committed} consumer
 * sees (the last stable offset). A fault test waits for it to kill an instance inside an open transaction.
 */
final class OpenTransactions implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> committed;
  private final KafkaConsumer<byte[], byte[]> uncommitted;
  private final List<TopicPartition> partitions;

  OpenTransactions(String bootstrap, String topic) {
    committed = consumer(bootstrap, "read_committed");
    uncommitted = consumer(bootstrap, "read_uncommitted");
    partitions = committed.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(info -> new TopicPartition(topic, info.partition())).toList();
  }

  /** Whether some partition has records of an open transaction now. */
  boolean any() {
    Map<TopicPartition, Long> stable = committed.endOffsets(partitions);
    Map<TopicPartition, Long> written = uncommitted.endOffsets(partitions);
    return partitions.stream().anyMatch(p -> written.get(p) > stable.get(p));
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
    return new KafkaConsumer<>(Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", "open-transactions-" + UUID.randomUUID(),
        "enable.auto.commit", false,
        "isolation.level", isolation), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public void close() {
    committed.close();
    uncommitted.close();
  }
}
