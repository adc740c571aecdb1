package io.fashionclassifier.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.scanner.ScanImage;
import io.fashionclassifier.scanner.ScannerSimulator;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import io.fashionclassifier.streaming.SmallModel;
import io.fashionclassifier.dataset.LabelledImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo end to end on a real broker and the real registry with a small real model: a few hundred images, some
 * broken on purpose, and a summary that must agree with what the output topics hold.
 */
class DemoIntegrationTest {

  private static final int IMAGES = 300;

  @TempDir static Path reportDir;

  private static DemoSummary summary;
  private static String output;
  private static String bootstrap;
  private static String registryUrl;

  @BeforeAll
  static void runTheDemo() throws Exception {
    bootstrap = KafkaBroker.shared().bootstrapServers();
    registryUrl = ApicurioRegistry.shared().confluentUrl();
    LabelledImages test = SmallModel.data().test();
    List<ScanImage> images = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      images.add(new ScanImage(test.image(i), 28, 28, test.label(i)));
    }
    ScannerSimulator.Options scanning =
        new ScannerSimulator.Options("inventory-images", IMAGES, 0, 4, 2, 0.8, 0.04, 7);
    Demo.Settings settings = new Demo.Settings(bootstrap, registryUrl, SmallModel.bundle(), scanning, 16,
        Duration.ofMillis(20), "bundle", reportDir, Duration.ofMinutes(2));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    summary = new Demo(settings, new PrintStream(out, true, StandardCharsets.UTF_8), false)
        .run(images, () -> false);
    output = out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everySentRecordComesOutOnceAsAnItemOrADeadLetter() {
    assertThat(summary.complete()).isTrue();
    assertThat(summary.sent()).isEqualTo(IMAGES);
    assertThat(summary.brokenSent()).isPositive();
    assertThat(summary.classified()).isEqualTo(summary.sent() - summary.brokenSent());
    assertThat(summary.deadLetters()).isEqualTo(summary.brokenSent());
  }

  @Test
  void summaryAgreesWithTheClassifiedItemsTopic() {
    SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    items.configure(Map.of(ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl), false);
    List<ConsumerRecord<String, ClassifiedItem>> records = KafkaTestClients.readCommitted(bootstrap,
        "classified-items", items, r -> r.size() >= summary.classified(), Duration.ofSeconds(30),
        Duration.ofSeconds(1));

    long labelled = records.stream().filter(r -> r.value().getCorrect() != null).count();
    long correct = records.stream().filter(r -> Boolean.TRUE.equals(r.value().getCorrect())).count();
    assertThat(records).hasSize((int) summary.classified());
    assertThat(labelled).isEqualTo(summary.labelled()).isEqualTo(summary.labelledSent());
    assertThat(correct).isEqualTo(summary.correct());
    assertThat(summary.measuredAccuracy()).isEqualTo((double) correct / labelled);
  }

  @Test
  void classifiersOwnAggregateMatchesWhatTheDemoMeasured() {
    assertThat(summary.reportedLabelled()).isEqualTo(summary.labelled());
    assertThat(summary.reportedAccuracy()).isEqualTo(summary.measuredAccuracy());
    assertThat(summary.measuredAccuracy()).isGreaterThan(0.6);
  }

  @Test
  void everyClassifiedItemWentThroughExactlyOneModelCall() {
    DemoSummary.Inference inference = summary.inference();
    assertThat(inference.batches()).isPositive();
    assertThat(Math.round(inference.batches() * inference.meanBatchSize())).isEqualTo(summary.classified());
    assertThat(inference.meanBatchSize()).isLessThanOrEqualTo(16);
    assertThat(inference.seconds()).isPositive();
  }

  @Test
  void latencyAndThroughputAreMeasured() {
    assertThat(summary.itemsPerSecond()).isPositive();
    assertThat(summary.latencyP50Millis()).isPositive();
    assertThat(summary.latencyP99Millis()).isGreaterThanOrEqualTo(summary.latencyP50Millis());
  }

  @Test
  void printsAndWritesTheSummary() throws Exception {
    assertThat(output).contains("Summary (model ").contains("throughput").contains("latency        p50")
        .contains("report: " + reportDir.toAbsolutePath().resolve("summary.md"));
    assertThat(reportDir.resolve("summary.md")).exists();
    JsonNode json = new ObjectMapper().readTree(Files.readString(reportDir.resolve("summary.json")));
    assertThat(json.get("classified").asLong()).isEqualTo(summary.classified());
    assertThat(json.get("perClass")).hasSize(10);
  }
}
