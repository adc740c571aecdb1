package io.fashionclassifier.watch;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows the classifier's two output topics without joining a consumer group (a viewer must not steal
 * partitions from anybody) and hands every record, decoded, to a listener.
 */
public final class TopicWatcher implements AutoCloseable {

  /** Receives decoded records in the order they were read. */
  public interface Listener {
    void item(ConsumerRecord<String, byte[]> raw, ClassifiedItem item);

    void aggregate(ConsumerRecord<String, byte[]> raw, AccuracyAggregate aggregate);
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final String itemsTopic;
  private final String aggregatesTopic;
  private final Deserializer<ClassifiedItem> items;
  private final Deserializer<AccuracyAggregate> aggregates;

  /**
   * @param kafkaProperties client properties (bootstrap servers, security); group and deserializers are set here
   * @param fromBeginning read the topics from their start rather than only what arrives from now on
   */
  public TopicWatcher(Map<String, Object> kafkaProperties, String itemsTopic, String aggregatesTopic,
      Deserializer<ClassifiedItem> items, Deserializer<AccuracyAggregate> aggregates, boolean fromBeginning) {
    Properties props = new Properties();
    props.putAll(kafkaProperties);
    // The stream classifier writes transactionally: only committed results are shown.
    props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "fashion-classifier-watch");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.itemsTopic = itemsTopic;
    this.aggregatesTopic = aggregatesTopic;
    this.items = items;
    this.aggregates = aggregates;

    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(itemsTopic, aggregatesTopic)) {
      consumer.partitionsFor(topic).forEach(
          p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    if (fromBeginning) {
      consumer.seekToBeginning(partitions);
    } else {
      consumer.seekToEnd(partitions);
    }
  }

  /** Reads until {@code stop} says so, calling {@code tick} at least every {@code tickEvery}. */
  public void run(Listener listener, BooleanSupplier stop, Duration tickEvery, Runnable tick) {
    long nextTick = System.nanoTime() + tickEvery.toNanos();
    while (!stop.getAsBoolean()) {
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
        if (record.value() == null) {
          continue;
        }
        if (record.topic().equals(itemsTopic)) {
          listener.item(record, items.deserialize(record.topic(), record.headers(), record.value()));
        } else if (record.topic().equals(aggregatesTopic)) {
          listener.aggregate(record, aggregates.deserialize(record.topic(), record.headers(), record.value()));
        }
      }
      if (System.nanoTime() >= nextTick) {
        tick.run();
        nextTick = System.nanoTime() + tickEvery.toNanos();
      }
    }
    tick.run();
  }

  /** Interrupts a blocking poll from another thread (Ctrl-C). */
  public void wakeup() {
    consumer.wakeup();
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
    items.close();
    aggregates.close();
  }
}
