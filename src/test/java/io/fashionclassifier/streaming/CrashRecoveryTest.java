package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once across a crash: the classifier runs in a child JVM ({@code Main stream}, real broker, Apicurio
 * registry, real model), is killed with SIGKILL while records wait in a batch, and restarts; every input then
 * appears exactly once in the committed output, and in the model-health figures. The restarted one then stops cleanly on SIGTERM.
 */
class CrashRecoveryTest {

  private static final int IMAGES = 300;
  private static final int BATCH = 64;
  private static final long WINDOW_MS = 1_000;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String applicationId = "crash-" + run;
  private final String inputTopic = "crash-images-" + run;
  private final String classifiedTopic = "crash-classified-" + run;
  private final String healthTopic = "crash-health-" + run;
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void stopChildren() throws InterruptedException {
    for (Process child : children) {
      child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void recordsWaitingInABatchWhenTheProcessIsKilledAreClassifiedExactlyOnceAfterRestart() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String registry = ApicurioRegistry.shared().confluentUrl();
    Map<String, Object> serdeConfig = Map.of("schema.registry.url", registry);
    Path model = SmallModel.bundle();
    KafkaTestClients.produceImages(broker.bootstrapServers(), serdeConfig, inputTopic, SmallModel.data().test(),
        IMAGES);

    // batches of 64 and no flush by time: 4 batches go out, 44 records stay in the buffer
    Process first = startChild(broker, registry, model, "600000", 1);
    awaitCommittedInputOffset(broker, IMAGES, first);
    // the model runs off the stream thread: the fourth batch may be committed as buffered before it comes back
    KafkaTestClients.readCommitted(broker.bootstrapServers(), classifiedTopic, KafkaTestClients.bytes(),
        records -> records.size() >= 4 * BATCH, Duration.ofSeconds(60), Duration.ZERO);
    first.destroyForcibly();
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    List<ConsumerRecord<String, byte[]>> beforeCrash = KafkaTestClients.readCommitted(broker.bootstrapServers(),
        classifiedTopic, KafkaTestClients.bytes(), records -> records.size() >= 4 * BATCH, Duration.ofSeconds(20),
        Duration.ofSeconds(1));
    assertThat(beforeCrash).as("only full batches were out when it was killed").hasSize(4 * BATCH);

    Process second = startChild(broker, registry, model, "20", 2);
    List<ConsumerRecord<String, byte[]>> output = KafkaTestClients.readCommitted(broker.bootstrapServers(),
        classifiedTopic, KafkaTestClients.bytes(), records -> records.size() >= IMAGES, Duration.ofSeconds(120),
        Duration.ofSeconds(3));

    Map<String, Long> perItem = output.stream()
        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
    assertThat(perItem.keySet())
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, IMAGES).mapToObj(KafkaTestClients::itemId).toList());
    assertThat(perItem.values()).as("no duplicates").containsOnly(1L);
    assertThat(healthCounted(broker, serdeConfig)).as("verdicts in the model-health windows").isEqualTo(IMAGES);

    // SIGTERM: the shutdown hook commits and closes Kafka Streams
    second.destroy();
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
    assertThat(second.exitValue()).as("a requested stop exits with 0").isZero();
    assertThat(Files.readString(logOf(2))).contains("Kafka Streams PENDING_SHUTDOWN -> NOT_RUNNING");
  }

  /**
   * The verdicts the MODEL health windows counted before now: later images, sent once a window has passed, close
   * those windows (health windows are on the classifier's clock, one second long here) without counting in them.
   */
  private long healthCounted(KafkaBroker broker, Map<String, Object> serdeConfig) {
    long counted = System.currentTimeMillis() + WINDOW_MS;
    SpecificAvroDeserializer<ModelHealth> health = new SpecificAvroDeserializer<>();
    health.configure(serdeConfig, false);
    AtomicInteger later = new AtomicInteger(IMAGES);
    AtomicReference<List<ModelHealth>> windows = new AtomicReference<>(List.of());
    Predicate<List<ConsumerRecord<String, ModelHealth>>> closedAfter = records -> records.stream()
        .anyMatch(r -> r.value().getKind() == HealthKind.WINDOW && r.value().getScope().equals("MODEL")
            && r.value().getWindowStart().toEpochMilli() >= counted);
    await().pollDelay(Duration.ofMillis(WINDOW_MS)).pollInterval(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(90)).until(() -> {
          int next = later.getAndIncrement();
          KafkaTestClients.produceImages(broker.bootstrapServers(), serdeConfig, inputTopic,
              SmallModel.data().test(), next, next + 1);
          List<ConsumerRecord<String, ModelHealth>> read = KafkaTestClients.readCommitted(
              broker.bootstrapServers(), healthTopic, health, closedAfter, Duration.ofSeconds(2), Duration.ZERO);
          windows.set(read.stream().map(ConsumerRecord::value).toList());
          return closedAfter.test(read);
        });
    return windows.get().stream()
        .filter(w -> w.getKind() == HealthKind.WINDOW && w.getScope().equals("MODEL")
            && w.getWindowEnd().toEpochMilli() <= counted)
        .mapToLong(ModelHealth::getCount).sum();
  }

  private Path logOf(int number) throws java.io.IOException {
    return Files.createDirectories(Path.of("target", "crash-test")).resolve(run + "-child-" + number + ".log");
  }

  private Process startChild(KafkaBroker broker, String registry, Path model, String maxWaitMs, int number)
      throws Exception {
    Path log = logOf(number);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Dai.djl.offline=true",
        "-cp", System.getProperty("java.class.path"),
        // by name: nothing outside cli may depend on it
        "io.fashionclassifier.cli.Main",
        "stream",
        "--bootstrap-servers", broker.bootstrapServers(),
        "--application-id", applicationId,
        "--schema-registry-url", registry,
        "--model", model.toString(),
        "--batch-size", Integer.toString(BATCH),
        "--max-wait-ms", maxWaitMs,
        "--http-port", "0",
        "-D", ClassifierConfig.TOPIC_INPUT + "=" + inputTopic,
        "-D", ClassifierConfig.TOPIC_CLASSIFIED + "=" + classifiedTopic,
        "-D", ClassifierConfig.TOPIC_AGGREGATES + "=crash-aggregates-" + run,
        "-D", ClassifierConfig.TOPIC_DLQ + "=crash-dlq-" + run,
        "-D", ClassifierConfig.TOPICS_PARTITIONS + "=1",
        "-D", ClassifierConfig.TOPIC_HEALTH + "=" + healthTopic,
        "-D", ClassifierConfig.AGGREGATES_WINDOW_MS + "=" + WINDOW_MS,
        "-D", ClassifierConfig.AGGREGATES_GRACE_MS + "=0",
        // the killed member must leave the group quickly for the restart to take over its task
        "-D", "session.timeout.ms=6000",
        "-D", "heartbeat.interval.ms=1000",
        "-D", "state.dir=" + Files.createTempDirectory("crash-state-")));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("FASHION_CLASSIFIER_NO_REEXEC", "1");
    Process child = builder.start();
    children.add(child);
    return child;
  }

  private void awaitCommittedInputOffset(KafkaBroker broker, long expected, Process child) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      while (System.nanoTime() < deadline) {
        assertThat(child.isAlive()).as("the classifier child JVM is running").isTrue();
        Map<?, OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
        long committed = offsets.entrySet().stream()
            .filter(e -> e.getKey().toString().startsWith(inputTopic + "-") && e.getValue() != null)
            .mapToLong(e -> e.getValue().offset())
            .sum();
        if (committed >= expected) {
          return;
        }
        Thread.sleep(250);
      }
    }
    throw new AssertionError("the classifier did not commit " + expected + " input offsets within 90 s");
  }
}
