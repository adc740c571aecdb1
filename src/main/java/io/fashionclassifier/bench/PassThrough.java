package io.fashionclassifier.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The ceiling Kafka Streams itself sets on this broker: the same input records copied, as bytes, from one topic to
 * another by a one-thread exactly-once application with the classifier's client settings, and nothing else.
 */
final class PassThrough {

  record Result(long records, long copied, double recordsPerSecond, boolean complete, CpuTime.Split cpu) {}

  private PassThrough() {}

  static Result run(Workbench bench, long records, Duration limit) throws InterruptedException {
    String prefix = "bench-" + bench.runId() + "-pass-through";
    String input = prefix + "-in";
    String output = prefix + "-out";
    bench.createTopics(List.of(input, output));
    long sent = bench.send(input, records, 0).sent();
    Path stateDir = Workbench.tempDir("fashion-bench-pass-through-");
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    Properties props = new Properties();
    // the classifier's Kafka settings (commit interval, linger, ...) apply here too, so that the two compare
    bench.classifierSettings().forEach((key, value) -> {
      if (!key.startsWith("fashion.") && !key.equals("schema.registry.url")) {
        props.put(key, value);
      }
    });
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bench.bootstrapServers());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.putIfAbsent(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    props.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");

    Arrivals arrivals = new Arrivals();
    try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
        KafkaConsumer<byte[], byte[]> consumer = committedReader(bench, output)) {
      long started = System.nanoTime();
      CpuTime cpuAtStart = CpuTime.now();
      streams.start();
      long deadline = System.nanoTime() + limit.toNanos();
      while (arrivals.count() < sent && System.nanoTime() < deadline && !bench.stopped().getAsBoolean()) {
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(100));
        long now = System.nanoTime();
        for (int i = 0; i < polled.count(); i++) {
          arrivals.add(now);
        }
      }
      CpuTime.Split cpu = CpuTime.now().since(cpuAtStart);
      streams.close(Duration.ofSeconds(20));
      return new Result(sent, arrivals.count(), arrivals.steadyRate(started), arrivals.count() >= sent, cpu);
    } finally {
      Workbench.deleteRecursively(stateDir);
    }
  }

  private static KafkaConsumer<byte[], byte[]> committedReader(Workbench bench, String topic) {
    Properties props = new Properties();
    props.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bench.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.CLIENT_ID_CONFIG, "bench-pass-through-reader",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }
}
