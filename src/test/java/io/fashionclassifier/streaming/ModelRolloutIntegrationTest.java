package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ShadowVerdict;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollout against a real broker and registry with two real bundles (small MLPs from different seeds) in a model
 * repository, in four phases on one classifier: (1) A active with B in shadow, (2) a corrupt candidate activated by
 * hand, (3) B activated while images stream in, (4) a restart. Each phase's items are known by their ids.
 */
class ModelRolloutIntegrationTest {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final int SHADOWED = 600;
  private static final int CORRUPT_PHASE_END = 900;
  private static final int SWAP_PHASE_END = 2_400;
  private static final int RESTART_PHASE_END = 2_700;

  @TempDir static Path models;
  private static KafkaBroker broker;
  private static ClassifierConfig config;
  private static ModelRepository repository;
  private static ClassifierApp app;
  private static String versionA;
  private static String versionB;
  private static double refusedActive;
  private static String metricsBeforeRestart;
  private static String versionAfterRestart;
  private static List<ConsumerRecord<String, ClassifiedItem>> verdicts;

  @BeforeAll
  static void rollOutAndBack() throws Exception {
    broker = KafkaBroker.shared();
    SmallModel.copy(SmallModel.bundle(), models.resolve("a"));
    SmallModel.copy(SmallModel.other(), models.resolve("b"));
    SmallModel.copy(SmallModel.bundle(), models.resolve("corrupt"));
    byte[] parameters = Files.readAllBytes(models.resolve("corrupt").resolve(ModelBundle.PARAMETERS_FILE));
    parameters[parameters.length / 2] ^= 0x55;
    Files.write(models.resolve("corrupt").resolve(ModelBundle.PARAMETERS_FILE), parameters);
    repository = ModelRepository.at(models);
    versionA = repository.list().get(0).manifest().version();
    versionB = repository.list().get(1).manifest().version();
    assertThat(versionB).as("two different bundles").isNotEqualTo(versionA);
    repository.activate("a");
    repository.shadow("b");

    config = ClassifierConfig.of(Map.ofEntries(
        Map.entry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, "rollout-" + RUN),
        Map.entry(ClassifierConfig.SCHEMA_REGISTRY_URL, ApicurioRegistry.shared().confluentUrl()),
        Map.entry(ClassifierConfig.MODEL_DIR, models.toString()),
        Map.entry(ClassifierConfig.MODEL_POLL_MS, "100"),
        Map.entry(ClassifierConfig.TOPIC_INPUT, "images-" + RUN),
        Map.entry(ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + RUN),
        Map.entry(ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + RUN),
        Map.entry(ClassifierConfig.TOPIC_DLQ, "dlq-" + RUN),
        Map.entry(ClassifierConfig.TOPICS_PARTITIONS, "2"),
        Map.entry(ClassifierConfig.HTTP_PORT, "0"),
        // Kafka Streams does not leave the group on close: the restarted instance waits out the old member
        Map.entry("session.timeout.ms", "6000")));
    app = ClassifierApp.start(config);
    assertThat(app.models()).isEqualTo(new ModelVersions(versionA, versionB));

    // (1) A serves, B shadows
    produce(0, SHADOWED);
    awaitVerdicts(SHADOWED);
    repository.stopShadow();
    await().atMost(Duration.ofSeconds(30)).until(() -> app.models().shadow() == null);

    // (2) a corrupt candidate, pointed at by hand (the CLI would have refused it): refused, A keeps serving
    repository.activate("corrupt");
    await().atMost(Duration.ofSeconds(30)).until(() -> refused() == 1);
    produce(SHADOWED, CORRUPT_PHASE_END);
    awaitVerdicts(CORRUPT_PHASE_END);
    refusedActive = refused();

    // (3) B goes live while images stream in: activated once 200 of this phase's verdicts are out
    CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
      for (int from = CORRUPT_PHASE_END; from < SWAP_PHASE_END; from += 100) {
        produce(from, from + 100);
      }
    });
    AtomicBoolean activated = new AtomicBoolean();
    readVerdicts(records -> {
      long phase = records.stream().filter(r -> index(r) >= CORRUPT_PHASE_END).count();
      if (phase >= 200 && activated.compareAndSet(false, true)) {
        repository.activate("b");
      }
      return records.size() >= SWAP_PHASE_END;
    }, Duration.ZERO);
    load.get();
    metricsBeforeRestart = app.registry().scrape();

    // (4) a restart serves what the pointer says
    app.close();
    app = ClassifierApp.start(config);
    versionAfterRestart = app.models().active();
    produce(SWAP_PHASE_END, RESTART_PHASE_END);
    verdicts = readVerdicts(records -> records.size() >= RESTART_PHASE_END, Duration.ofSeconds(2));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void everyItemIsClassifiedExactlyOnceByOneOfTheTwoVersions() {
    Map<String, Long> perItem = verdicts.stream()
        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
    assertThat(verdicts).hasSize(RESTART_PHASE_END);
    assertThat(perItem).hasSize(RESTART_PHASE_END);
    assertThat(verdicts).extracting(r -> r.value().getModelVersion()).containsOnly(versionA, versionB);
  }

  @Test
  void eachTaskSwitchesOnceFromTheOldVersionToTheNewAtABatchBoundary() {
    Map<Integer, List<ConsumerRecord<String, ClassifiedItem>>> byPartition = verdicts.stream()
        .collect(Collectors.groupingBy(ConsumerRecord::partition, TreeMap::new, Collectors.toList()));
    assertThat(byPartition).hasSize(2);
    byPartition.forEach((partition, records) -> {
      records.sort((x, y) -> Long.compare(x.offset(), y.offset()));
      List<String> runs = new ArrayList<>();
      for (ConsumerRecord<String, ClassifiedItem> record : records) {
        String version = record.value().getModelVersion();
        if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(version)) {
          runs.add(version);
        }
      }
      assertThat(runs).as("versions in partition %d, in order", partition).containsExactly(versionA, versionB);
      // a batch's verdicts share their classification time: none of them straddles the switch
      Map<Long, Long> versionsPerBatch = records.stream().collect(Collectors.groupingBy(
          r -> r.value().getClassifiedTime().toEpochMilli(),
          Collectors.collectingAndThen(Collectors.mapping(r -> r.value().getModelVersion(), Collectors.toSet()),
              set -> (long) set.size())));
      assertThat(versionsPerBatch.values()).containsOnly(1L);
    });
    assertThat(phase(CORRUPT_PHASE_END, SWAP_PHASE_END))
        .as("the switch happened under load, inside the third phase")
        .extracting(r -> r.value().getModelVersion())
        .contains(versionA, versionB);
  }

  @Test
  void aCorruptCandidateIsRefusedAndTheOldModelKeepsServing() {
    assertThat(refusedActive).isEqualTo(1.0);
    assertThat(phase(SHADOWED, CORRUPT_PHASE_END))
        .hasSize(CORRUPT_PHASE_END - SHADOWED)
        .extracting(r -> r.value().getModelVersion())
        .containsOnly(versionA);
  }

  @Test
  void aRestartKeepsTheActiveVersion() {
    assertThat(versionAfterRestart).isEqualTo(versionB);
    assertThat(phase(SWAP_PHASE_END, RESTART_PHASE_END))
        .hasSize(RESTART_PHASE_END - SWAP_PHASE_END)
        .extracting(r -> r.value().getModelVersion())
        .containsOnly(versionB);
  }

  @Test
  void shadowFiguresEqualThoseRecomputedFromTheVerdicts() {
    List<ConsumerRecord<String, ClassifiedItem>> shadowed = phase(0, SHADOWED);
    List<Prediction> offline;
    try (ModelBundle b = ModelBundle.load(models.resolve("b")); BatchClassifier classifier = b.newClassifier()) {
      offline = classifier.classify(shadowed.stream().map(r -> images().image(index(r))).toList());
    }
    long agreed = 0;
    long correct = 0;
    long baselineCorrect = 0;
    for (int i = 0; i < shadowed.size(); i++) {
      ClassifiedItem verdict = shadowed.get(i).value();
      FashionClass candidate = FashionClass.values()[offline.get(i).label()];
      agreed += candidate == verdict.getPredictedLabel() ? 1 : 0;
      correct += candidate == verdict.getTrueLabel() ? 1 : 0;
      baselineCorrect += Boolean.TRUE.equals(verdict.getCorrect()) ? 1 : 0;
    }

    AccuracyAggregate figure = latestFigures(latest -> latest.containsKey(shadowKey())
        && latest.get(shadowKey()).getSeen() == SHADOWED).get(shadowKey());
    assertThat(figure.getSeen()).isEqualTo(SHADOWED);
    assertThat(figure.getLabelled()).isEqualTo(SHADOWED);
    assertThat(figure.getModelVersion()).isEqualTo(versionB);
    assertThat(figure.getBaselineVersion()).isEqualTo(versionA);
    assertThat(figure.getAgreed()).isEqualTo(agreed);
    assertThat(figure.getAgreement()).isEqualTo((double) agreed / SHADOWED);
    assertThat(figure.getCorrect()).isEqualTo(correct);
    assertThat(figure.getAccuracy()).isEqualTo((double) correct / SHADOWED);
    assertThat(figure.getBaselineCorrect()).isEqualTo(baselineCorrect);
    assertThat(figure.getBaselineAccuracy()).isEqualTo((double) baselineCorrect / SHADOWED);
    assertThat(agreed).as("two different models disagree somewhere").isLessThan(SHADOWED);
  }

  @Test
  void whileBShadowsEachVerdictCarriesBsOwnLabelForItAndAfterwardsNone() {
    List<ConsumerRecord<String, ClassifiedItem>> shadowed = phase(0, SHADOWED);
    List<Prediction> offline;
    try (ModelBundle b = ModelBundle.load(models.resolve("b")); BatchClassifier classifier = b.newClassifier()) {
      offline = classifier.classify(shadowed.stream().map(r -> images().image(index(r))).toList());
    }

    for (int i = 0; i < shadowed.size(); i++) {
      ShadowVerdict shadow = shadowed.get(i).value().getShadow();
      assertThat(shadow).as(shadowed.get(i).key()).isNotNull();
      assertThat(shadow.getModelVersion()).isEqualTo(versionB);
      assertThat(shadow.getPredictedLabel()).as(shadowed.get(i).key())
          .isEqualTo(FashionClass.values()[offline.get(i).label()]);
    }
    assertThat(phase(SHADOWED, RESTART_PHASE_END)).as("no shadow after it stopped")
        .allSatisfy(record -> assertThat(record.value().getShadow()).isNull());
  }

  @Test
  void accuracyFiguresSplitByVersionEqualThoseRecomputedFromTheVerdicts() {
    Map<String, long[]> expected = new HashMap<>();
    for (ConsumerRecord<String, ClassifiedItem> record : verdicts) {
      long[] counts = expected.computeIfAbsent(record.value().getModelVersion(), v -> new long[2]);
      counts[0]++;
      counts[1] += Boolean.TRUE.equals(record.value().getCorrect()) ? 1 : 0;
    }
    Map<String, AccuracyAggregate> latest = latestFigures(figures -> Stream.of(versionA, versionB)
        .allMatch(v -> figures.containsKey("MODEL:" + v)
            && figures.get("MODEL:" + v).getLabelled() == expected.get(v)[0]));
    for (String version : List.of(versionA, versionB)) {
      AccuracyAggregate figure = latest.get("MODEL:" + version);
      assertThat(figure.getSeen()).isEqualTo(expected.get(version)[0]);
      assertThat(figure.getCorrect()).as("correct by %s", version).isEqualTo(expected.get(version)[1]);
      assertThat(figure.getAccuracy()).isEqualTo((double) expected.get(version)[1] / expected.get(version)[0]);
    }
  }

  @Test
  void inferenceIsCountedByVersionAndRoleWithTheShadowsCostApart() {
    assertThat(metricsBeforeRestart)
        .contains("fashion_inference_images_total{model_version=\"" + versionB + "\",role=\"shadow\"} "
            + SHADOWED + ".0")
        .contains("fashion_inference_time_seconds_count{model_version=\"" + versionA + "\",role=\"active\"}")
        .contains("fashion_inference_time_seconds_count{model_version=\"" + versionB + "\",role=\"active\"}")
        .contains("fashion_model_refused_total{role=\"active\"} 1.0")
        .contains("fashion_model_serving{model_version=\"" + versionB + "\",role=\"active\"} 1.0");
  }

  private static String shadowKey() {
    return "SHADOW:" + versionB + "/" + versionA;
  }

  private static double refused() {
    var counter = app.registry().find("fashion.model.refused").tag("role", "active").counter();
    return counter == null ? 0 : counter.count();
  }

  private static LabelledImages images() {
    return SmallModel.data().test();
  }

  private static int index(ConsumerRecord<String, ?> record) {
    return Integer.parseInt(record.key().substring("test-".length()));
  }

  private static List<ConsumerRecord<String, ClassifiedItem>> phase(int from, int to) {
    return verdicts.stream().filter(r -> index(r) >= from && index(r) < to)
        .sorted((x, y) -> Integer.compare(index(x), index(y))).toList();
  }

  private static void produce(int from, int to) {
    KafkaTestClients.produceImages(
        broker.bootstrapServers(), config.serdeConfig(), config.inputTopic(), images(), from, to);
  }

  private static void awaitVerdicts(int count) {
    assertThat(readVerdicts(records -> records.size() >= count, Duration.ZERO)).hasSize(count);
  }

  private static List<ConsumerRecord<String, ClassifiedItem>> readVerdicts(
      java.util.function.Predicate<List<ConsumerRecord<String, ClassifiedItem>>> done, Duration settle) {
    SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    items.configure(config.serdeConfig(), false);
    return KafkaTestClients.readCommitted(broker.bootstrapServers(), config.classifiedTopic(), items, done,
        Duration.ofMinutes(2), settle);
  }

  private static Map<String, AccuracyAggregate> latestFigures(
      java.util.function.Predicate<Map<String, AccuracyAggregate>> done) {
    SpecificAvroDeserializer<AccuracyAggregate> figures = new SpecificAvroDeserializer<>();
    figures.configure(config.serdeConfig(), false);
    Map<String, AccuracyAggregate> latest = new HashMap<>();
    KafkaTestClients.readCommitted(broker.bootstrapServers(), config.aggregatesTopic(), figures, records -> {
      records.forEach(r -> latest.put(r.key(), r.value()));
      return done.test(latest);
    }, Duration.ofMinutes(1), Duration.ZERO);
    return latest;
  }
}
