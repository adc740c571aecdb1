package io.fashionclassifier.learning;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic as it is now, from its beginning to its end, in each partition's order, without a consumer group
 * (nothing is committed: the next run reads it all again). read_committed, since the classifier writes in
 * transactions: an aborted record is no record.
 */
final class TopicReplay {

  private TopicReplay() {}

  /**
   * Hands every record of {@code topic} up to the end it has when this starts to {@code records}.
   *
   * @param timeout how long the whole read may take; a KafkaException when it takes longer
   */
  static void read(Map<String, Object> clientConfig, String topic, Duration timeout,
      BiConsumer<String, byte[]> records) {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // reading is no reason to create the topic
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "fashion-classifier-learning");
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
      if (partitions == null || partitions.isEmpty()) {
        throw new KafkaException("topic " + topic + " does not exist");
      }
      List<TopicPartition> assigned = partitions.stream()
          .map(info -> new TopicPartition(topic, info.partition())).toList();
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, timeout);
      while (!atEnd(consumer, ends)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new KafkaException("could not read " + topic + " to its end within " + timeout);
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofNanos(Math.min(left,
            Duration.ofMillis(500).toNanos())))) {
          if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
            records.accept(record.key(), record.value());
          }
        }
      }
    }
  }

  private static boolean atEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return false;
      }
    }
    return true;
  }
}
