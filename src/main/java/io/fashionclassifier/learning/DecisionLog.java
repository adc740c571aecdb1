package io.fashionclassifier.learning;

import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes decision records to the decisions topic, keyed by the candidate's version, and waits for each to be
 * acknowledged. The topic is created when missing with one partition, so that its records keep the order in which
 * the decisions were taken.
 */
public final class DecisionLog implements AutoCloseable {

  /** The decisions topic unless told otherwise. */
  public static final String DEFAULT_TOPIC = "model-decisions";

  private final Map<String, Object> clientConfig;
  private final String topic;
  private final Duration timeout;
  private final SpecificAvroSerializer<ModelDecision> serializer = new SpecificAvroSerializer<>();
  private KafkaProducer<String, byte[]> producer;

  public DecisionLog(Map<String, Object> clientConfig, Map<String, Object> serdeConfig, String topic,
      Duration timeout) {
    this.clientConfig = clientConfig;
    this.topic = topic;
    this.timeout = timeout;
    this.serializer.configure(serdeConfig, false);
  }

  public String topic() {
    return topic;
  }

  /**
   * Creates the topic when it is missing and {@code create} allows it.
   *
   * @param replication replication factor when created, empty for the brokers' default
   */
  public void ensureTopic(boolean create, Optional<Short> replication) {
    try (Admin admin = Admin.create(clientConfig)) {
      if (admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS).contains(topic)) {
        return;
      }
      if (!create) {
        throw new KafkaException("topic " + topic + " does not exist: create it (one partition keeps the"
            + " decisions in order), or set fashion.topics.create=true");
      }
      try {
        admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), replication))).all()
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (ExecutionException e) {
      throw new KafkaException("cannot create the decisions topic " + topic + ": " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaException("no answer from Kafka within " + timeout + " about topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while checking topic " + topic, e);
    }
  }

  /** Writes {@code decision} and returns once it is on the topic. */
  public void write(ModelDecision decision) {
    byte[] value = serializer.serialize(topic, decision);
    try {
      producer().send(new ProducerRecord<>(topic, decision.getCandidateVersion(), value))
          .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new KafkaException("decision not written to " + topic + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaException("decision not acknowledged by " + topic + " within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while writing a decision to " + topic, e);
    }
  }

  private KafkaProducer<String, byte[]> producer() {
    if (producer == null) {
      Map<String, Object> config = new HashMap<>(clientConfig);
      config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "fashion-classifier-decisions");
      config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
      config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
      config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
    serializer.close();
  }
}
