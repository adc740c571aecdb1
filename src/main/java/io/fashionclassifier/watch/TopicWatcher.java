package io.fashionclassifier.watch;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the classifier's output topics without joining a consumer group (a viewer must not steal partitions
 * from anybody) and hands every record, decoded, to a listener. Used by {@code watch} and by the demo's reader.
 */
public final class TopicWatcher implements AutoCloseable {

  /** Receives decoded records in the order they were read. */
  public interface Listener {
    void item(ConsumerRecord<String, byte[]> raw, ClassifiedItem item);

    void aggregate(ConsumerRecord<String, byte[]> raw, AccuracyAggregate aggregate);

    /** A record of the dead-letter topic, when one is followed: its original bytes, undecoded. */
    default void deadLetter(ConsumerRecord<String, byte[]> raw) {}

    /** A model-health record (window figures, an alarm or its clearing), when that topic is followed. */
    default void health(ConsumerRecord<String, byte[]> raw, ModelHealth health) {}

    /** A review request, when that topic is followed. */
    default void reviewRequest(ConsumerRecord<String, byte[]> raw, ReviewRequest request) {}

    /** An audit, when that topic is followed. */
    default void audit(ConsumerRecord<String, byte[]> raw, ItemAudit audit) {}

    /** A decision of the learning loop (candidate built, shadowed, promoted, retired), when that topic is followed. */
    default void decision(ConsumerRecord<String, byte[]> raw, ModelDecision decision) {}
  }

  /**
   * The topics to follow; a topic that does not exist (a part of the classifier that is off, or no decision taken
   * yet) is looked for again every {@link #LOOK_AGAIN} and followed from its start once it is there.
   *
   * @param deadLetters the dead-letter topic, or null to leave it alone
   * @param health the model-health topic, or null
   * @param reviews the review-request topic, or null
   * @param audits the audit topic, or null
   * @param decisions the decisions topic of the learning loop, or null
   */
  public record Topics(String items, String aggregates, String deadLetters, String health, String reviews,
      String audits, String decisions) {

    /** The two output topics, and the dead-letter topic unless it is null. */
    public Topics(String items, String aggregates, String deadLetters) {
      this(items, aggregates, deadLetters, null, null, null, null);
    }

    List<String> all() {
      return java.util.stream.Stream.of(items, aggregates, deadLetters, health, reviews, audits, decisions)
          .filter(java.util.Objects::nonNull).toList();
    }
  }

  private static final Duration POLL = Duration.ofMillis(100);
  /** How often topics that did not exist are looked for again. */
  static final Duration LOOK_AGAIN = Duration.ofSeconds(5);
  /** How long one such look may block the view: a broker that does not answer is asked again later. */
  private static final Duration LOOK_TIMEOUT = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(TopicWatcher.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private long skipped;
  private final Topics topics;
  private final SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
  private final SpecificAvroDeserializer<AccuracyAggregate> aggregates = new SpecificAvroDeserializer<>();
  private final SpecificAvroDeserializer<ModelHealth> health = new SpecificAvroDeserializer<>(ModelHealth.class);
  private final SpecificAvroDeserializer<ReviewRequest> reviews = new SpecificAvroDeserializer<>(ReviewRequest.class);
  private final SpecificAvroDeserializer<ItemAudit> audits = new SpecificAvroDeserializer<>(ItemAudit.class);
  private final SpecificAvroDeserializer<ModelDecision> decisions =
      new SpecificAvroDeserializer<>(ModelDecision.class);
  /** Topics asked for that did not exist when last looked for. */
  private final Set<String> missing = new LinkedHashSet<>();

  /**
   * @param kafkaProperties client properties (bootstrap servers, security); group and deserializers are set here
   * @param serdeProperties schema registry settings for decoding the values
   * @param fromBeginning read the topics from their start rather than only what arrives from now on
   */
  public TopicWatcher(Map<String, Object> kafkaProperties, Map<String, Object> serdeProperties, Topics topics,
      boolean fromBeginning) {
    Properties props = new Properties();
    props.putAll(kafkaProperties);
    // The stream classifier writes transactionally: only committed results are shown.
    props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "fashion-classifier-watch");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // a viewer must not create the topics of parts that are off
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.topics = topics;
    items.configure(serdeProperties, false);
    aggregates.configure(serdeProperties, false);
    health.configure(serdeProperties, false);
    reviews.configure(serdeProperties, false);
    audits.configure(serdeProperties, false);
    decisions.configure(serdeProperties, false);
    follow(topics.all(), fromBeginning, null);
  }

  /** Reads until {@code stop} says so, calling {@code tick} at least every {@code tickEvery}. */
  public void run(Listener listener, BooleanSupplier stop, Duration tickEvery, Runnable tick) {
    long nextTick = System.nanoTime() + tickEvery.toNanos();
    long nextLook = System.nanoTime() + LOOK_AGAIN.toNanos();
    while (!stop.getAsBoolean()) {
      if (!missing.isEmpty() && System.nanoTime() >= nextLook) {
        // a topic created after the start holds only what was written since: all of it is new
        follow(List.copyOf(missing), true, LOOK_TIMEOUT);
        nextLook = System.nanoTime() + LOOK_AGAIN.toNanos();
      }
      for (ConsumerRecord<String, byte[]> record : poll()) {
        if (record.topic().equals(topics.deadLetters())) {
          listener.deadLetter(record);
        } else if (record.value() == null) {
          continue;
        } else if (record.topic().equals(topics.items())) {
          listener.item(record, items.deserialize(record.topic(), record.headers(), record.value()));
        } else if (record.topic().equals(topics.aggregates())) {
          listener.aggregate(record, aggregates.deserialize(record.topic(), record.headers(), record.value()));
        } else if (record.topic().equals(topics.health())) {
          decoded(record, health).ifPresent(value -> listener.health(record, value));
        } else if (record.topic().equals(topics.reviews())) {
          decoded(record, reviews).ifPresent(value -> listener.reviewRequest(record, value));
        } else if (record.topic().equals(topics.audits())) {
          decoded(record, audits).ifPresent(value -> listener.audit(record, value));
        } else if (record.topic().equals(topics.decisions())) {
          decoded(record, decisions).ifPresent(value -> listener.decision(record, value));
        }
      }
      if (System.nanoTime() >= nextTick) {
        tick.run();
        nextTick = System.nanoTime() + tickEvery.toNanos();
      }
    }
    tick.run();
  }

  /** The next records; none, after a short wait, while no topic asked for exists (a consumer then may not poll). */
  private Iterable<ConsumerRecord<String, byte[]>> poll() {
    if (!consumer.assignment().isEmpty()) {
      return consumer.poll(POLL);
    }
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      // what the consumer's own poll throws when interrupted
      throw new InterruptException(e);
    }
    return List.of();
  }

  /**
   * Adds the partitions of those of {@code wanted} that exist to the assignment and remembers the others.
   *
   * @param timeout how long each look-up may take, or null for the client's default (at the start, where a broker
   *     that does not answer is an error)
   */
  private void follow(Collection<String> wanted, boolean fromBeginning, Duration timeout) {
    List<TopicPartition> found = new ArrayList<>();
    for (String topic : wanted) {
      List<PartitionInfo> partitions;
      try {
        partitions = timeout == null ? consumer.partitionsFor(topic) : consumer.partitionsFor(topic, timeout);
      } catch (TimeoutException e) {
        if (timeout == null) {
          throw e;
        }
        // the topics found so far in this look are followed; the others stay missing
        log.debug("no answer about topic {} yet: {}", topic, e.getMessage());
        break;
      }
      if (partitions.isEmpty()) {
        missing.add(topic);
      } else {
        missing.remove(topic);
        partitions.forEach(p -> found.add(new TopicPartition(p.topic(), p.partition())));
      }
    }
    if (found.isEmpty()) {
      return;
    }
    // assign() keeps the positions of the partitions already followed
    List<TopicPartition> all = new ArrayList<>(consumer.assignment());
    all.addAll(found);
    consumer.assign(all);
    if (fromBeginning) {
      consumer.seekToBeginning(found);
    } else {
      consumer.seekToEnd(found);
    }
  }

  /**
   * A record of one of the optional topics, decoded; empty when it does not decode. Audits come from people's tools
   * and those topics may hold anybody's records: a viewer skips what it cannot read rather than stop.
   */
  private <T extends SpecificRecord> Optional<T> decoded(ConsumerRecord<String, byte[]> record,
      SpecificAvroDeserializer<T> values) {
    try {
      return Optional.ofNullable(values.deserialize(record.topic(), record.headers(), record.value()));
    } catch (RuntimeException e) {
      skipped++;
      if (skipped == 1) {
        log.warn("skipping records of {} that do not decode ({}); further ones are skipped silently",
            record.topic(), e.getMessage());
      }
      return Optional.empty();
    }
  }

  /** Records of the optional topics skipped because they did not decode. */
  public long skipped() {
    return skipped;
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
    health.close();
    reviews.close();
    audits.close();
    decisions.close();
  }
}
