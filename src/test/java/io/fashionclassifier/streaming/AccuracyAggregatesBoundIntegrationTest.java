package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bound on distinct scanner ids ({@code fashion.aggregates.max.keys}) is one bound for the whole application,
 * on the real broker: two instances, each with its own input partition, admit {@code MAX_KEYS} ids between them,
 * not each; and an instance started afterwards on an empty state directory (a pod rescheduled elsewhere) keeps
 * the ids admitted before and admits no more.
 */
class AccuracyAggregatesBoundIntegrationTest {

  private static final int MAX_KEYS = 4;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  private final KafkaBroker broker = KafkaBroker.shared();
  private final String registryScope = "bound-" + run;
  private final List<ClassifierApp> apps = new ArrayList<>();

  @TempDir
  Path stateA;
  @TempDir
  Path stateB;
  @TempDir
  Path stateC;

  @AfterEach
  void stop() {
    apps.forEach(ClassifierApp::close);
    MockSchemaRegistry.dropScope(registryScope);
  }

  @Test
  void twoInstancesAdmitMaxKeysScannerIdsBetweenThemAndARestartOnAnEmptyStateDirectoryAdmitsNoMore() throws Exception {
    ClassifierConfig configA = config(stateA);
    ClassifierApp a = start(configA);
    ClassifierApp b = start(config(stateB));
    await().atMost(Duration.ofMinutes(2))
        .until(() -> a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING);

    // four scanners on each input partition: each partition's task alone would stay within the bound
    produce(configA, 0, "s1", "s2", "s3", "s4");
    produce(configA, 1, "s5", "s6", "s7", "s8");
    Map<String, AccuracyAggregate> first = cumulativeScannerFigures(configA, 8);
    assertThat(seen(first)).as("every item counted once").isEqualTo(8);
    assertThat(first).as("MAX_KEYS ids under their own key, for the application as a whole")
        .hasSize(MAX_KEYS + 1)
        .containsKey("SCANNER:(other)");
    assertThat(first.get("SCANNER:(other)").getSeen()).isEqualTo(8 - MAX_KEYS);
    Set<String> admitted = first.keySet().stream().filter(key -> !key.equals("SCANNER:(other)"))
        .collect(Collectors.toSet());

    a.close();
    b.close();
    apps.clear();
    ClassifierApp c = start(config(stateC));
    await().atMost(Duration.ofMinutes(2)).until(() -> c.state() == KafkaStreams.State.RUNNING);
    String again = admitted.iterator().next().substring("SCANNER:".length());
    produce(configA, 0, "s9", "s10", again);
    produce(configA, 1, "s11", "s12");

    Map<String, AccuracyAggregate> second = cumulativeScannerFigures(configA, 13);
    assertThat(seen(second)).isEqualTo(13);
    assertThat(second.keySet()).as("the same ids, none more").containsExactlyInAnyOrderElementsOf(
        Stream.concat(admitted.stream(), Stream.of("SCANNER:(other)")).toList());
    assertThat(second.get("SCANNER:" + again).getSeen()).isEqualTo(2);
    assertThat(second.get("SCANNER:(other)").getSeen()).isEqualTo(8 - MAX_KEYS + 4);

    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      String admission = configA.setting(StreamsConfig.APPLICATION_ID_CONFIG) + "-"
          + ClassifierTopology.ADMISSION_TOPIC + "-repartition";
      assertThat(admin.describeTopics(List.of(admission)).allTopicNames().get().get(admission).partitions())
          .as("every admission decided by one task, whatever the input's partitions").hasSize(1);
    }
  }

  @Test
  void anInstanceRestartedOnAnEmptyStateDirectoryKeepsTheIdsAdmittedBeforeAndAdmitsNoMore() throws Exception {
    ClassifierConfig configA = config(stateA);
    ClassifierApp a = start(configA);
    await().atMost(Duration.ofMinutes(2)).until(() -> a.state() == KafkaStreams.State.RUNNING);
    produce(configA, 0, "s1", "s2", "s3", "s4", "s5");
    Map<String, AccuracyAggregate> first = cumulativeScannerFigures(configA, 5);
    assertThat(first.keySet()).containsExactlyInAnyOrder(
        "SCANNER:s1", "SCANNER:s2", "SCANNER:s3", "SCANNER:s4", "SCANNER:(other)");

    a.close();
    apps.clear();
    ClassifierApp b = start(config(stateB));
    await().atMost(Duration.ofMinutes(2)).until(() -> b.state() == KafkaStreams.State.RUNNING);
    produce(configA, 0, "s6", "s1");

    Map<String, AccuracyAggregate> second = cumulativeScannerFigures(configA, 7);
    assertThat(second.keySet()).as("the bound holds across the restart").containsExactlyInAnyOrder(
        "SCANNER:s1", "SCANNER:s2", "SCANNER:s3", "SCANNER:s4", "SCANNER:(other)");
    assertThat(second.get("SCANNER:s1").getSeen()).isEqualTo(2);
    assertThat(second.get("SCANNER:(other)").getSeen()).isEqualTo(2);
  }

  private ClassifierConfig config(Path stateDir) {
    return ClassifierConfig.of(Map.ofEntries(
        Map.entry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, "bound-" + run),
        Map.entry(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()),
        Map.entry(ClassifierConfig.SCHEMA_REGISTRY_URL, "mock://" + registryScope),
        Map.entry(ClassifierConfig.TOPIC_INPUT, "images-" + run),
        Map.entry(ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + run),
        Map.entry(ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + run),
        Map.entry(ClassifierConfig.TOPIC_DLQ, "dlq-" + run),
        Map.entry(ClassifierConfig.TOPICS_PARTITIONS, "2"),
        Map.entry(ClassifierConfig.BATCH_SIZE, "1"),
        Map.entry(ClassifierConfig.AGGREGATES_MAX_KEYS, Integer.toString(MAX_KEYS)),
        Map.entry(ClassifierConfig.HTTP_PORT, "0"),
        // a stopped instance's partitions go to the next one after the session timeout: the broker's minimum
        Map.entry(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "6000"),
        Map.entry(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1000")));
  }

  private ClassifierApp start(ClassifierConfig config) {
    ClassifierApp app = ClassifierApp.start(config, FakeClassifier::new);
    apps.add(app);
    return app;
  }

  /** One image per scanner, in this order, on {@code partition} of the input. */
  private void produce(ClassifierConfig config, int partition, String... scanners) throws Exception {
    SpecificAvroSerializer<InventoryImage> images = new SpecificAvroSerializer<>();
    images.configure(config.serdeConfig(), false);
    Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      for (String scanner : scanners) {
        String item = "item-" + scanner + "-" + UUID.randomUUID();
        InventoryImage image = TestImages.captured(
            TestImages.image(item, 1, FashionClass.TROUSER, scanner, 28, 28), Instant.now());
        producer.send(new ProducerRecord<>(config.inputTopic(), partition, item,
            images.serialize(config.inputTopic(), image))).get();
      }
    }
  }

  /** The newest cumulative SCANNER figures, once they count {@code items} items between them. */
  private Map<String, AccuracyAggregate> cumulativeScannerFigures(ClassifierConfig config, long items) {
    SpecificAvroDeserializer<AccuracyAggregate> figures = new SpecificAvroDeserializer<>();
    figures.configure(config.serdeConfig(), false);
    List<ConsumerRecord<String, AccuracyAggregate>> read = KafkaTestClients.readCommitted(
        broker.bootstrapServers(), config.aggregatesTopic(), figures,
        records -> seen(latestScannerFigures(records)) >= items, Duration.ofMinutes(2), Duration.ofSeconds(2));
    return latestScannerFigures(read);
  }

  private static Map<String, AccuracyAggregate> latestScannerFigures(
      List<ConsumerRecord<String, AccuracyAggregate>> records) {
    Map<String, AccuracyAggregate> latest = new TreeMap<>();
    records.stream()
        .filter(r -> r.key().startsWith("SCANNER:") && !r.key().contains("@"))
        .forEach(r -> latest.put(r.key(), r.value()));
    return latest;
  }

  private static long seen(Map<String, AccuracyAggregate> figures) {
    return figures.values().stream().mapToLong(AccuracyAggregate::getSeen).sum();
  }
}
