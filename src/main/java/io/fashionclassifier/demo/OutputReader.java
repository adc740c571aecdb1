package io.fashionclassifier.demo;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the classifier's outputs (items, aggregates, dead letters) on its own thread, as any downstream
 * read_committed consumer would, into {@link DemoStats} and the newest cumulative aggregates.
 */
final class OutputReader implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer;
  private final String itemsTopic;
  private final String aggregatesTopic;
  private final String deadLetterTopic;
  private final Deserializer<ClassifiedItem> items;
  private final Deserializer<AccuracyAggregate> aggregates;
  private final DemoStats stats;
  private final Map<String, AccuracyAggregate> cumulative = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private volatile Exception failure;

  OutputReader(Map<String, Object> clientConfig, String itemsTopic, String aggregatesTopic, String deadLetterTopic,
      Deserializer<ClassifiedItem> items, Deserializer<AccuracyAggregate> aggregates, DemoStats stats) {
    Properties props = new Properties();
    props.putAll(clientConfig);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "fashion-demo-reader");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.itemsTopic = itemsTopic;
    this.aggregatesTopic = aggregatesTopic;
    this.deadLetterTopic = deadLetterTopic;
    this.items = items;
    this.aggregates = aggregates;
    this.stats = stats;
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(itemsTopic, aggregatesTopic, deadLetterTopic)) {
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    this.thread = new Thread(this::run, "demo-output-reader");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          Instant now = Instant.now();
          long nanos = System.nanoTime();
          if (record.topic().equals(deadLetterTopic)) {
            stats.deadLetter();
          } else if (record.value() == null) {
            continue;
          } else if (record.topic().equals(itemsTopic)) {
            stats.item(items.deserialize(record.topic(), record.headers(), record.value()), now, nanos);
          } else if (record.topic().equals(aggregatesTopic)) {
            AccuracyAggregate aggregate = aggregates.deserialize(record.topic(), record.headers(), record.value());
            if (aggregate.getWindowStart() == null) {
              cumulative.put(aggregate.getScope() + ":" + aggregate.getKey(), aggregate);
            }
          }
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      // closing
    } catch (Exception e) {
      failure = e;
    }
  }

  /** The newest cumulative figure for a scope and key, or null. */
  AccuracyAggregate cumulative(AggregateScope scope, String key) {
    return cumulative.get(scope + ":" + key);
  }

  /** Why reading stopped early, or null. */
  Exception failure() {
    return failure;
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close();
    items.close();
    aggregates.close();
  }
}
