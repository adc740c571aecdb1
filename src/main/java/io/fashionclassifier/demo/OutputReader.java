package io.fashionclassifier.demo;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.watch.TopicWatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads the classifier's outputs (items, aggregates, dead letters) on its own thread, as any downstream
 * read_committed consumer would, into {@link DemoStats} and the newest cumulative aggregates.
 */
final class OutputReader implements AutoCloseable {

  private final TopicWatcher watcher;
  private final DemoStats stats;
  private final Map<String, AccuracyAggregate> cumulative = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private volatile Exception failure;

  OutputReader(Map<String, Object> clientConfig, Map<String, Object> serdeConfig, TopicWatcher.Topics topics,
      DemoStats stats) {
    Map<String, Object> props = new HashMap<>(clientConfig);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "fashion-demo-reader");
    this.watcher = new TopicWatcher(props, serdeConfig, topics, true);
    this.stats = stats;
    this.thread = new Thread(this::run, "demo-output-reader");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    TopicWatcher.Listener listener = new TopicWatcher.Listener() {
      @Override
      public void item(ConsumerRecord<String, byte[]> raw, ClassifiedItem item) {
        stats.item(item, Instant.now(), System.nanoTime());
      }

      @Override
      public void aggregate(ConsumerRecord<String, byte[]> raw, AccuracyAggregate aggregate) {
        if (aggregate.getWindowStart() == null) {
          cumulative.put(aggregate.getScope() + ":" + aggregate.getKey(), aggregate);
        }
      }

      @Override
      public void deadLetter(ConsumerRecord<String, byte[]> raw) {
        stats.deadLetter();
      }
    };
    try {
      watcher.run(listener, () -> !running.get(), Duration.ofDays(1), () -> { });
    } catch (WakeupException e) {
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
    watcher.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watcher.close();
  }
}
