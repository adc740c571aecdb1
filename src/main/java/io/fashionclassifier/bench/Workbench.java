package io.fashionclassifier.bench;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.scanner.ScanImage;
import io.fashionclassifier.scanner.ScannerSimulator;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What every run of one benchmark shares: the cluster, the model, the images, the settings given for every
 * classifier, and the run's id, which prefixes every topic and application id so that runs never meet.
 *
 * @param classifierSettings settings for every classifier run (e.g. {@code commit.interval.ms}); a run's own
 *     settings (batch size, processing guarantee) win over them
 */
record Workbench(String bootstrapServers, String registryUrl, String runId, Path modelDir, String flipTta,
    Supplier<BatchClassifier> classifiers, List<ScanImage> images, Map<String, String> classifierSettings,
    int partitions, BooleanSupplier stopped) {

  Map<String, Object> clientConfig() {
    return Map.of("bootstrap.servers", bootstrapServers);
  }

  Map<String, Object> serdeConfig() {
    return Map.of("schema.registry.url", registryUrl);
  }

  /** Creates the topics with this run's partition count and returns once every partition has a leader. */
  void createTopics(List<String> names) {
    try (Admin admin = Admin.create(clientConfig())) {
      admin.createTopics(names.stream()
              .map(name -> new NewTopic(name, Optional.of(partitions), Optional.empty()))
              .toList())
          .all().get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!allLed(admin, names)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topics " + names + " still have partitions without a leader after 30 s");
        }
        Thread.sleep(20);
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create topics " + names + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  private static boolean allLed(Admin admin, List<String> names)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<String, TopicDescription> topics;
    try {
      topics = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        // created, but the broker that answered has not applied the new metadata yet
        return false;
      }
      throw e;
    }
    return topics.values().stream()
        .flatMap(topic -> topic.partitions().stream())
        .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
  }

  /** Sends {@code count} images to {@code topic} as the scanners would, at {@code rate} per second (0: at once). */
  ScannerSimulator.Summary send(String topic, long count, double rate) {
    try (KafkaProducer<String, byte[]> producer = producer();
        SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>()) {
      serializer.configure(serdeConfig(), false);
      ScannerSimulator.Options options = new ScannerSimulator.Options(topic, count, rate, 8, 2, 0.5, 0, 1);
      return new ScannerSimulator(producer, serializer, options).run(images, stopped, sent -> { });
    }
  }

  /** One stretch of a send schedule. */
  record Phase(double ratePerSecond, long count) {}

  /** Hears of each phase's end: its index and how many records were sent up to then, in all. */
  @FunctionalInterface
  interface PhaseEnd {
    void ended(int phase, long sentSoFar);
  }

  /**
   * Sends the phases one after the other on one producer, each at its own rate (item ids stay unique), and returns
   * how many were sent in all.
   */
  long send(String topic, List<Phase> phases, PhaseEnd ended) {
    long sent = 0;
    try (KafkaProducer<String, byte[]> producer = producer();
        SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>()) {
      serializer.configure(serdeConfig(), false);
      for (int i = 0; i < phases.size() && !stopped.getAsBoolean(); i++) {
        Phase phase = phases.get(i);
        ScannerSimulator.Options options =
            new ScannerSimulator.Options(topic, phase.count(), phase.ratePerSecond(), 8, 2, 0.5, 0, i + 1);
        sent += new ScannerSimulator(producer, serializer, options).run(images, stopped, n -> { }).sent();
        ended.ended(i, sent);
      }
    }
    return sent;
  }

  private KafkaProducer<String, byte[]> producer() {
    Map<String, Object> producerConfig = new LinkedHashMap<>(clientConfig());
    // One request in flight: a batch refused with NOT_LEADER_OR_FOLLOWER by a partition that has only just got its
    // leader is then retried alone, rather than behind later batches of the same idempotent producer, which left the
    // producer retrying with OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout (seen on a loaded machine).
    // Larger batches keep a pre-filled topic quick to fill all the same.
    producerConfig.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    producerConfig.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    return ScannerSimulator.producer(producerConfig, "bench-" + runId);
  }

  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary directory is not worth failing a benchmark for
    }
  }
}
