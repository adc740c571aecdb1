package io.fashionclassifier.review;

import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes audits to the audits topic, keyed by item id, with an idempotent producer (a retried send is not written
 * twice) and waits for each to be acknowledged: a decision counts only once its audit is on the topic.
 */
public final class AuditPublisher implements AuditSink, AutoCloseable {

  private final KafkaProducer<String, byte[]> producer;
  private final SpecificAvroSerializer<ItemAudit> serializer = new SpecificAvroSerializer<>();
  private final String topic;
  private final Duration timeout;

  public AuditPublisher(Map<String, Object> clientConfig, Map<String, Object> serdeConfig, String topic,
      Duration timeout) {
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "fashion-classifier-review");
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    this.serializer.configure(serdeConfig, false);
    this.topic = topic;
    this.timeout = timeout;
  }

  @Override
  public void publish(ItemAudit audit) {
    byte[] value = serializer.serialize(topic, audit);
    try {
      producer.send(new ProducerRecord<>(topic, audit.getItemId(), value))
          .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new KafkaException("audit of " + audit.getItemId() + " not written to " + topic + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaException("audit of " + audit.getItemId() + " not acknowledged by " + topic + " in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while writing the audit of " + audit.getItemId(), e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    serializer.close();
  }
}
