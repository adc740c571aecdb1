package io.fashionclassifier.review;

import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the learning loop's decisions topic on its own thread and keeps the newest few for the page. It joins no
 * consumer group: every review server shows all of them, and a reader of the decisions takes no partition from
 * anybody. A topic that does not exist yet (no candidate built so far) is looked for again every few seconds.
 */
public final class DecisionFeed implements Runnable, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DecisionFeed.class);
  /** How many of the newest decisions the page shows. */
  static final int SHOWN = 5;
  private static final Duration LOOK_AGAIN = Duration.ofSeconds(2);

  private final KafkaConsumer<String, byte[]> consumer;
  private final SpecificAvroDeserializer<ModelDecision> values = new SpecificAvroDeserializer<>(ModelDecision.class);
  private final String topic;
  private final Thread thread;
  private final CountDownLatch closing = new CountDownLatch(1);
  /** Newest first; written by the feed's thread, read by the page's. */
  private final Deque<ModelDecision> newest = new ArrayDeque<>();
  private volatile boolean running = true;
  private boolean started;
  private long skipped;

  public DecisionFeed(Map<String, Object> clientConfig, Map<String, Object> serdeConfig, String topic) {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // a reader must not create the topic that the deciding commands create with one partition
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "fashion-classifier-review-decisions");
    this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.values.configure(serdeConfig, false);
    this.topic = topic;
    this.thread = new Thread(this, "review-decisions");
    this.thread.setDaemon(true);
  }

  public void start() {
    started = true;
    thread.start();
  }

  /** The newest decisions, newest first, at most {@link #SHOWN}. */
  public synchronized List<ModelDecision> newest() {
    return List.copyOf(newest);
  }

  @Override
  public void run() {
    try {
      while (running && !assigned()) {
        closing.await(LOOK_AGAIN.toMillis(), TimeUnit.MILLISECONDS);
      }
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          accept(record);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.error("reading {} stopped, the page shows no newer decisions: {}", topic, e.toString(), e);
      throw e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
      values.close();
    }
  }

  /** Follows the topic's last few records when it exists; false while it does not, or no broker answers. */
  private boolean assigned() {
    try {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic, LOOK_AGAIN);
      if (partitions.isEmpty()) {
        return false;
      }
      List<TopicPartition> assignment = new ArrayList<>();
      partitions.forEach(p -> assignment.add(new TopicPartition(p.topic(), p.partition())));
      consumer.assign(assignment);
      Map<TopicPartition, Long> ends = consumer.endOffsets(assignment, LOOK_AGAIN);
      Map<TopicPartition, Long> starts = consumer.beginningOffsets(assignment, LOOK_AGAIN);
      // the decisions are not written in transactions: an offset is a record, and the page shows only the last few
      assignment.forEach(p -> consumer.seek(p, Math.max(starts.get(p), ends.get(p) - SHOWN)));
      log.info("showing the decisions of {}", topic);
      return true;
    } catch (TimeoutException e) {
      log.debug("no answer about {} yet: {}", topic, e.getMessage());
      consumer.unsubscribe();
      return false;
    }
  }

  private void accept(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    ModelDecision decision;
    try {
      decision = values.deserialize(record.topic(), record.headers(), record.value());
    } catch (RuntimeException e) {
      // anybody may write to the topic: what does not decode is not a decision
      if (++skipped == 1) {
        log.warn("skipping records of {} that do not decode ({}); further ones are skipped silently", topic,
            e.toString());
      }
      return;
    }
    synchronized (this) {
      newest.addFirst(decision);
      while (newest.size() > SHOWN) {
        newest.removeLast();
      }
    }
  }

  @Override
  public void close() {
    running = false;
    closing.countDown();
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
