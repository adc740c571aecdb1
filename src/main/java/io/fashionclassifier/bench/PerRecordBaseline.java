package io.fashionclassifier.bench;

import io.fashionclassifier.demo.DemoStats;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The pattern the batched, exactly-once pipeline is measured against, as DJL's own Kafka demo and Kafka-ML serve a
 * model: a plain consumer loop that calls the predictor once per record, writes each verdict to an output topic,
 * and commits at least once (the producer flushed, then {@code commitSync}, after each poll's records). Measured
 * as the pipeline is, by a downstream reader: at saturation, then at half its own maximum for its latency.
 */
final class PerRecordBaseline {

  private static final FashionClass[] CLASSES = FashionClass.values();
  private static final int TOP_K = 3;

  /**
   * @param itemsPerSecond at saturation, after the start-up ramp ({@link Arrivals#RAMP})
   * @param modelSeconds time inside the predictor calls of the saturation run
   * @param latencyRatePerSecond the paced run's send rate: half of {@code itemsPerSecond}
   * @param latencyItems items of the paced run counted for its latency (captured after the warm-up)
   */
  record Result(long sent, long classified, boolean complete, double itemsPerSecond, double seconds,
      double modelSeconds, double latencyRatePerSecond, long latencyItems, long latencyP50Millis,
      long latencyP90Millis, long latencyP99Millis, boolean latencyComplete) {}

  private record Run(long sent, long classified, boolean complete, double itemsPerSecond, double seconds,
      double modelSeconds, DemoStats stats) {}

  private PerRecordBaseline() {}

  /** Saturation with {@code records} waiting, then {@code latencyFor} at half the measured rate. */
  static Result run(Workbench bench, long records, Duration limit, Duration latencyFor, Duration warmUp)
      throws InterruptedException {
    Run saturated = run(bench, "per-record", records, 0, limit, Duration.ZERO);
    double rate = Math.max(1, saturated.itemsPerSecond() / 2);
    long paced = Math.max(10, (long) (rate * latencyFor.toMillis() / 1000));
    Run latency = run(bench, "per-record-latency", paced, rate, latencyFor.plusSeconds(30), warmUp);
    DemoStats stats = latency.stats();
    return new Result(saturated.sent(), saturated.classified(), saturated.complete(), saturated.itemsPerSecond(),
        saturated.seconds(), saturated.modelSeconds(), rate, stats.items(), stats.latencyPercentile(50),
        stats.latencyPercentile(90), stats.latencyPercentile(99), latency.complete());
  }

  private static Run run(Workbench bench, String name, long records, double rate, Duration limit, Duration warmUp)
      throws InterruptedException {
    String prefix = "bench-" + bench.runId() + "-" + name;
    Map<String, String> topics = new LinkedHashMap<>();
    topics.put("bootstrap.servers", bench.bootstrapServers());
    topics.put(ClassifierConfig.SCHEMA_REGISTRY_URL, bench.registryUrl());
    topics.put(ClassifierConfig.TOPIC_INPUT, prefix + "-images");
    topics.put(ClassifierConfig.TOPIC_CLASSIFIED, prefix + "-items");
    topics.put(ClassifierConfig.TOPIC_AGGREGATES, prefix + "-aggregates");
    topics.put(ClassifierConfig.TOPIC_DLQ, prefix + "-dlq");
    ClassifierConfig config = ClassifierConfig.of(topics);
    bench.createTopics(List.of(config.inputTopic(), config.classifiedTopic(), config.aggregatesTopic(),
        config.deadLetterTopic()));
    long sent = rate > 0 ? 0 : bench.send(config.inputTopic(), records, 0).sent();

    DemoStats stats = new DemoStats();
    Arrivals arrivals = new Arrivals();
    AtomicLong deadLetters = new AtomicLong();
    long countFrom = Instant.now().plus(warmUp).toEpochMilli();
    try (Loop loop = new Loop(bench, config, prefix);
        PipelineRun.Reader reader = new PipelineRun.Reader(config, (item, seenAt, seenNanos) -> {
          arrivals.add(seenNanos);
          if (item.getCaptureTime().toEpochMilli() >= countFrom) {
            stats.item(item, seenAt, seenNanos);
          }
        }, deadLetters)) {
      long started = System.nanoTime();
      long deadline = started + limit.toNanos();
      if (rate > 0) {
        sent = bench.send(config.inputTopic(), records, rate).sent();
      }
      while (!bench.stopped().getAsBoolean() && reader.failure() == null && loop.failure() == null
          && arrivals.count() < sent && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Exception failure = reader.failure() != null ? reader.failure() : loop.failure();
      if (failure != null) {
        throw new IllegalStateException("the per-record baseline " + name + " failed: " + failure.getMessage(),
            failure);
      }
      return new Run(sent, arrivals.count(), arrivals.count() >= sent, arrivals.steadyRate(started),
          arrivals.seconds(), loop.modelNanos() / 1e9, stats);
    }
  }

  /** The consumer loop, on its own thread with its own predictor. */
  private static final class Loop implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong modelNanos = new AtomicLong();
    private final Thread thread;

    Loop(Workbench bench, ClassifierConfig config, String group) {
      thread = new Thread(() -> {
        try (BatchClassifier classifier = bench.classifiers().get()) {
          serve(bench, config, group, classifier);
        } catch (Exception e) {
          failure.set(e);
        }
      }, "bench-per-record-loop");
      thread.setDaemon(true);
      thread.start();
    }

    private void serve(Workbench bench, ClassifierConfig config, String group, BatchClassifier classifier) {
      Map<String, Object> consumerConfig = new LinkedHashMap<>(bench.clientConfig());
      consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      Map<String, Object> producerConfig = new LinkedHashMap<>(bench.clientConfig());
      producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
      try (KafkaConsumer<String, byte[]> consumer =
              new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
          KafkaProducer<String, byte[]> producer =
              new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
          SpecificAvroDeserializer<InventoryImage> images = new SpecificAvroDeserializer<>(InventoryImage.class);
          SpecificAvroSerializer<ClassifiedItem> items = new SpecificAvroSerializer<>()) {
        images.configure(bench.serdeConfig(), false);
        items.configure(bench.serdeConfig(), false);
        consumer.subscribe(List.of(config.inputTopic()));
        String version = classifier.modelVersion();
        while (running.get()) {
          ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
          for (ConsumerRecord<String, byte[]> record : records) {
            InventoryImage image = images.deserialize(record.topic(), record.value());
            long start = System.nanoTime();
            Prediction prediction = classifier.classify(List.of(pixels(image))).get(0);
            modelNanos.addAndGet(System.nanoTime() - start);
            ClassifiedItem item = verdict(image, prediction, version);
            producer.send(new ProducerRecord<>(config.classifiedTopic(), record.key(),
                items.serialize(config.classifiedTopic(), item)));
          }
          if (!records.isEmpty()) {
            // at least once: the verdicts are written before the offsets that produced them are committed
            producer.flush();
            consumer.commitSync();
          }
        }
      }
    }

    private static byte[] pixels(InventoryImage image) {
      ByteBuffer buffer = image.getPixels().duplicate();
      byte[] pixels = new byte[buffer.remaining()];
      buffer.get(pixels);
      return pixels;
    }

    private static ClassifiedItem verdict(InventoryImage image, Prediction prediction, String version) {
      List<LabelScore> topK = new ArrayList<>(TOP_K);
      for (Prediction.Score score : prediction.topK(TOP_K)) {
        topK.add(new LabelScore(CLASSES[score.label()], score.probability()));
      }
      FashionClass predicted = CLASSES[prediction.label()];
      FashionClass truth = image.getLabel();
      return ClassifiedItem.newBuilder()
          .setItemId(image.getItemId()).setScannerId(image.getScannerId()).setWarehouseId(image.getWarehouseId())
          .setCaptureTime(image.getCaptureTime()).setPredictedLabel(predicted)
          .setConfidence(prediction.confidence()).setTopK(topK).setModelVersion(version)
          .setClassifiedTime(Instant.now()).setTrueLabel(truth).setCorrect(truth == null ? null : truth == predicted)
          .build();
    }

    Exception failure() {
      return failure.get();
    }

    long modelNanos() {
      return modelNanos.get();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(30_000);
    }
  }
}
