package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.local.LoopbackPorts;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import io.fashionclassifier.streaming.SmallModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A model rolled out from Kubernetes: the chart's rollout Job, run in the local engine like the pod it shares the
 * model repository claim with, points {@code active} from v1 to v2 while the pod classifies a steady stream; the
 * pod takes v2 up without a restart, the Job waits for its serving report, and every image gets exactly one verdict,
 * by v1 before the move and by v2 after it.
 */
class ChartModelRolloutPodTest {

  private static final int BEFORE = 200;
  private static final int AFTER = 200;
  private static final int CHUNK = 20;
  /** The load stops here even if the Job never ends, so that a hung Job fails the test rather than filling disk. */
  private static final int MOST_DURING = 4_000;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private Path repository;
  private Path stateClaim;
  private DockerPod pod;
  private DockerPod job;

  @AfterEach
  void stopEverything() {
    for (DockerPod started : new DockerPod[] {job, pod}) {
      if (started != null) {
        started.close();
      }
    }
    for (Path directory : new Path[] {repository, stateClaim}) {
      if (directory != null) {
        FileUtils.deleteQuietly(directory.toFile());
      }
    }
  }

  @Test
  void theRolloutJobMovesTheRunningPodFromV1ToV2WithEveryImageClassifiedOnce() throws Exception {
    String classifierImage = LocalImages.classifier();
    KafkaBroker broker = KafkaBroker.shared();
    repository = Files.createTempDirectory("claim-models-");
    SmallModel.copy(SmallModel.bundle(), repository.resolve("v1"));
    SmallModel.copy(SmallModel.other(), repository.resolve("v2"));
    ModelRepository models = ModelRepository.at(repository);
    models.activate("v1");
    String v1 = versionOf(models, "v1");
    String v2 = versionOf(models, "v2");
    stateClaim = Files.createTempDirectory("claim-state-");

    RenderedChart chart = RenderedChart.render(Map.of(
        "image", PodValues.localImage(classifierImage),
        "model", Map.of("image", Map.of("repository", ""), "existingClaim", "models"),
        "modelRollout", Map.of("enabled", true, "action", "activate", "bundle", "v2", "wait", "120s"),
        "kafka", Map.of("bootstrapServers", broker.bootstrapServers(), "applicationId", "rollout-" + run),
        "schemaRegistry", Map.of("url", ApicurioRegistry.shared().confluentUrl()),
        "topics", PodValues.topics(run),
        "http", Map.of("port", LoopbackPorts.free(1)[0]),
        "resources", PodValues.resources()));
    ClassifierConfig config = ClassifierConfig.load(null, chart.literalEnv(), Map.of());
    pod = DockerPod.start("shop-fashion-classifier-0", chart.podTemplate().getSpec(),
        Map.of("state", stateClaim, "models", repository));
    try {
      pod.awaitReady(Duration.ofMinutes(3));
    } catch (RuntimeException notReady) {
      throw new AssertionError("the pod did not get ready:\n" + pod.allLogs(), notReady);
    }
    produce(broker, config, 0, BEFORE);
    assertThat(read(broker, config, BEFORE)).as(pod.logs())
        .extracting(r -> r.value().getModelVersion()).containsOnly(v1);

    // the Job runs while images keep arriving
    AtomicBoolean jobDone = new AtomicBoolean();
    AtomicInteger sent = new AtomicInteger(BEFORE);
    CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
      while (!jobDone.get() && sent.get() < BEFORE + MOST_DURING) {
        produce(broker, config, sent.get(), sent.get() + CHUNK);
        sent.addAndGet(CHUNK);
      }
    });
    Job rollout = chart.one(Job.class).orElseThrow();
    job = DockerPod.start(rollout.getMetadata().getName(), rollout.getSpec().getTemplate().getSpec(),
        Map.of("models", repository));
    await().atMost(Duration.ofMinutes(3)).until(() -> !job.running());
    jobDone.set(true);
    load.get();
    assertThat(job.exitCode()).as(job.allLogs()).isZero();
    assertThat(job.allLogs()).contains("taken up by all 1 running classifiers");
    assertThat(models.active()).contains("v2");

    int during = sent.get();
    produce(broker, config, during, during + AFTER);
    List<ConsumerRecord<String, ClassifiedItem>> verdicts = read(broker, config, during + AFTER);
    Map<String, Long> perItem = verdicts.stream()
        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
    assertThat(perItem).as(pod.logs()).hasSize(during + AFTER);
    assertThat(perItem.values()).as("one verdict per image").containsOnly(1L);
    assertThat(verdicts).as("the images sent after the Job ended")
        .filteredOn(r -> index(r) >= during).extracting(r -> r.value().getModelVersion()).containsOnly(v2);
    assertThat(pod.running()).as("taken up without a restart").isTrue();
    // within a partition the switch happens once: no verdict by v1 after the first by v2
    verdicts.stream().collect(Collectors.groupingBy(ConsumerRecord::partition)).values().forEach(partition -> {
      List<String> versions = partition.stream().sorted(Comparator.comparingLong(ConsumerRecord::offset))
          .map(r -> r.value().getModelVersion()).toList();
      int firstV2 = versions.indexOf(v2);
      assertThat(firstV2).isNotNegative();
      assertThat(versions.subList(firstV2, versions.size())).containsOnly(v2);
    });
  }

  private static String versionOf(ModelRepository models, String name) {
    return models.list().stream().filter(entry -> entry.name().equals(name)).findFirst().orElseThrow()
        .manifest().version();
  }

  private static void produce(KafkaBroker broker, ClassifierConfig config, int from, int to) {
    KafkaTestClients.produceImages(broker.bootstrapServers(), config.serdeConfig(), config.inputTopic(),
        SmallModel.data().test(), from, to);
  }

  private static List<ConsumerRecord<String, ClassifiedItem>> read(KafkaBroker broker, ClassifierConfig config,
      int images) {
    SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    items.configure(config.serdeConfig(), false);
    return KafkaTestClients.readCommitted(broker.bootstrapServers(), config.classifiedTopic(), items,
        records -> records.stream().map(ConsumerRecord::key).distinct().count() >= images,
        Duration.ofMinutes(2), Duration.ofSeconds(1));
  }

  private static int index(ConsumerRecord<String, ClassifiedItem> record) {
    return Integer.parseInt(record.key().substring(record.key().lastIndexOf('-') + 1));
  }
}
