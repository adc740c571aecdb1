package io.fashionclassifier.streaming;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Kafka Streams' clients as its default supplier makes them, with the producers telling {@link CommitLatency} when
 * a commit ends. Kafka Streams commits a transactional producer's transaction, or flushes a plain producer before
 * committing offsets, on the stream thread that owns it.
 */
final class CommitTimingClients implements KafkaClientSupplier {

  private final CommitLatency commits;

  CommitTimingClients(CommitLatency commits) {
    this.commits = commits;
  }

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return Admin.create(config);
  }

  @Override
  @SuppressWarnings("unchecked")
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    Producer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    String commitMethod = config.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG) != null ? "commitTransaction" : "flush";
    return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
        new Class<?>[] {Producer.class}, new Timed(producer, commitMethod, commits));
  }

  @Override
  public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
    return getConsumer(config);
  }

  @Override
  public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
    return getConsumer(config);
  }

  /** Passes every call through, timing the one that commits. */
  private record Timed(Producer<byte[], byte[]> producer, String commitMethod, CommitLatency commits)
      implements InvocationHandler {

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      long started = System.nanoTime();
      try {
        Object result = method.invoke(producer, args);
        if (name.equals(commitMethod) && method.getParameterCount() == 0) {
          commits.committed(started);
        } else if (name.equals("abortTransaction")) {
          commits.aborted();
        }
        return result;
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }
}
