package io.fashionclassifier.review;

import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the review topic as a member of the review consumer group into the {@link ReviewQueue}, commits the offsets of
 * what has been decided, and measures what is still unread (the group's lag). Several review servers in one group
 * split the partitions between them. Runs on its own thread: a Kafka consumer is not to be shared.
 */
public final class RequestFeed implements Runnable, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RequestFeed.class);
  /** Reading stops while this many requests wait, so that a long backlog does not fill the memory. */
  static final int MAX_OPEN = 1_000;

  private final KafkaConsumer<String, byte[]> consumer;
  private final SpecificAvroDeserializer<ReviewRequest> values = new SpecificAvroDeserializer<>(ReviewRequest.class);
  private final ReviewQueue queue;
  private final String topic;
  private final Thread thread;
  private volatile boolean running = true;
  private boolean started;
  private volatile long unread;

  public RequestFeed(Map<String, Object> clientConfig, Map<String, Object> serdeConfig, String topic, String group,
      ReviewQueue queue) {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // the classifier writes its requests in transactions: an aborted one is no request
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "fashion-classifier-review");
    this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.values.configure(serdeConfig, false);
    this.queue = queue;
    this.topic = topic;
    this.thread = new Thread(this, "review-feed");
    this.thread.setDaemon(true);
  }

  public void start() {
    started = true;
    thread.start();
  }

  /** Requests on the topic this server's partitions have not read yet. */
  public long unread() {
    return unread;
  }

  @Override
  public void run() {
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        commit();
        queue.dropPartitions(new HashSet<>(partitions));
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        queue.dropPartitions(new HashSet<>(partitions));
      }
    });
    try {
      while (running) {
        if (queue.openCount() >= MAX_OPEN) {
          consumer.pause(consumer.assignment());
        } else {
          consumer.resume(consumer.paused());
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          accept(record);
        }
        commit();
        long lag = 0;
        for (TopicPartition partition : consumer.assignment()) {
          OptionalLong behind = consumer.currentLag(partition);
          lag += behind.orElse(0);
        }
        unread = lag;
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } catch (RuntimeException e) {
      log.error("reading {} stopped: {}", topic, e.toString(), e);
      throw e;
    } finally {
      try {
        commit();
      } catch (RuntimeException e) {
        log.warn("last commit of {} failed, its decided requests may be shown again: {}", topic, e.toString());
      }
      consumer.close(Duration.ofSeconds(5));
      values.close();
    }
  }

  private void accept(ConsumerRecord<String, byte[]> record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    if (record.value() == null) {
      queue.unreadable(partition, record.offset());
      return;
    }
    try {
      ReviewRequest request = values.deserialize(record.topic(), record.headers(), record.value());
      queue.offer(new QueuedRequest(partition, record.offset(), request));
    } catch (RuntimeException e) {
      log.warn("review request at {}@{} cannot be read, not shown: {}", partition, record.offset(), e.toString());
      queue.unreadable(partition, record.offset());
    }
  }

  private void commit() {
    Map<TopicPartition, OffsetAndMetadata> offsets = queue.takeCommittable();
    offsets.keySet().retainAll(consumer.assignment());
    if (!offsets.isEmpty()) {
      consumer.commitSync(offsets);
    }
  }

  @Override
  public void close() {
    running = false;
    if (!started) {
      consumer.close(Duration.ZERO);
      values.close();
      return;
    }
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
