package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.training.Evaluation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole classifier against a real broker, a real schema registry (Apicurio) and the real model: the 10,000
 * Fashion-MNIST test images in, 10,000 verdicts out, and the final cumulative accuracy equal to the offline
 * evaluation of the same bundle.
 */
class StreamClassifierIntegrationTest {

  private static final int IMAGES = 10_000;
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  private static KafkaBroker broker;
  private static ClassifierConfig config;
  private static ModelBundle bundle;
  private static ClassifierApp app;
  private static List<ConsumerRecord<String, ClassifiedItem>> classified;

  @BeforeAll
  static void runTheClassifierOverTheTestSet() {
    broker = KafkaBroker.shared();
    config = ClassifierConfig.of(Map.of(
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        StreamsConfig.APPLICATION_ID_CONFIG, "it-" + RUN,
        ClassifierConfig.SCHEMA_REGISTRY_URL, ApicurioRegistry.shared().confluentUrl(),
        ClassifierConfig.MODEL_DIR, SmallModel.bundle().toString(),
        ClassifierConfig.TOPIC_INPUT, "images-" + RUN,
        ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + RUN,
        ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + RUN,
        ClassifierConfig.TOPIC_DLQ, "dlq-" + RUN,
        ClassifierConfig.TOPICS_PARTITIONS, "2",
        ClassifierConfig.HTTP_PORT, "0"));
    bundle = ModelBundle.load(config.modelDir());
    app = ClassifierApp.start(config, bundle::newClassifier);

    KafkaTestClients.produceImages(
        broker.bootstrapServers(), config.serdeConfig(), config.inputTopic(), SmallModel.data().test(), IMAGES);
    KafkaTestClients.produceRaw(broker.bootstrapServers(), config.inputTopic(), "not-avro",
        "not avro".getBytes(StandardCharsets.UTF_8));

    SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    items.configure(config.serdeConfig(), false);
    classified = KafkaTestClients.readCommitted(broker.bootstrapServers(), config.classifiedTopic(), items,
        records -> records.size() >= IMAGES, Duration.ofMinutes(2), Duration.ofSeconds(1));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (bundle != null) {
      bundle.close();
    }
  }

  @Test
  void everyImageIsClassifiedExactlyOnce() {
    Map<String, Long> perItem = classified.stream()
        .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
    assertThat(classified).hasSize(IMAGES);
    assertThat(perItem).hasSize(IMAGES).containsKey(KafkaTestClients.itemId(IMAGES - 1));
    assertThat(perItem.values()).containsOnly(1L);
    assertThat(classified.get(0).value().getModelVersion()).isEqualTo(bundle.version());
  }

  @Test
  void finalCumulativeAccuracyEqualsTheOfflineEvaluationOfTheSameBundle() {
    Evaluation offline;
    try (BatchClassifier classifier = bundle.newClassifier()) {
      offline = Evaluation.run(classifier, SmallModel.data().test(), FashionMnist.CLASS_NAMES);
    }
    SpecificAvroDeserializer<AccuracyAggregate> figures = new SpecificAvroDeserializer<>();
    figures.configure(config.serdeConfig(), false);
    Map<String, AccuracyAggregate> latest = new HashMap<>();
    // figures for different keys come from different tasks: wait until the overall and the scanners' are final
    KafkaTestClients.readCommitted(broker.bootstrapServers(), config.aggregatesTopic(), figures, records -> {
      records.forEach(r -> latest.put(r.key(), r.value()));
      AccuracyAggregate overall = latest.get("OVERALL:all");
      return overall != null && overall.getLabelled() == IMAGES && labelledPerScanner(latest) == IMAGES;
    }, Duration.ofMinutes(1), Duration.ZERO);

    AccuracyAggregate overall = latest.get("OVERALL:all");
    assertThat(overall.getLabelled()).isEqualTo(IMAGES);
    assertThat(overall.getCorrect()).isEqualTo(offline.correct());
    assertThat(overall.getAccuracy()).isEqualTo(offline.accuracy());
    assertThat(overall.getAccuracy()).isGreaterThan(0.6);
    assertThat(labelledPerScanner(latest)).isEqualTo(IMAGES);
  }

  private static long labelledPerScanner(Map<String, AccuracyAggregate> latest) {
    return latest.entrySet().stream()
        .filter(e -> e.getKey().startsWith("SCANNER:") && !e.getKey().contains("@"))
        .mapToLong(e -> e.getValue().getLabelled())
        .sum();
  }

  @Test
  void aRecordThatIsNotAvroGoesToTheDeadLetterTopicWithItsErrorHeaders() {
    List<ConsumerRecord<String, byte[]>> letters = KafkaTestClients.readCommitted(broker.bootstrapServers(),
        config.deadLetterTopic(), KafkaTestClients.bytes(), records -> !records.isEmpty(), Duration.ofSeconds(30),
        Duration.ZERO);
    assertThat(letters).extracting(ConsumerRecord::key).containsExactly("not-avro");
    assertThat(new String(letters.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not avro");
    assertThat(letters.get(0).headers().lastHeader(DeadLetters.EXCEPTION)).isNotNull();
    assertThat(new String(letters.get(0).headers().lastHeader(DeadLetters.TOPIC).value(), StandardCharsets.UTF_8))
        .isEqualTo(config.inputTopic());
  }

  @Test
  void probesAndMetricsAreServed() throws Exception {
    assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
    HttpClient http = HttpClient.newHttpClient();
    Function<String, HttpResponse<String>> get = path -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    assertThat(get.apply("/health").statusCode()).isEqualTo(200);
    assertThat(get.apply("/ready").statusCode()).isEqualTo(200);
    String metrics = get.apply("/metrics").body();
    assertThat(metrics)
        .contains("fashion_records_in_total")
        .contains("fashion_records_out_total 10000.0")
        .contains("fashion_batch_size_count")
        .contains("fashion_inference_time_seconds_count")
        .contains("fashion_end_to_end_latency_seconds_count")
        .contains("fashion_dead_letters_total{reason=\"deserialization\"} 1.0")
        .contains("kafka_stream_");
  }

  @Test
  void eachStageOfTheLatencyIsAHistogramInTheMetrics() {
    HttpClient http = HttpClient.newHttpClient();
    // the commit's figures come at its end, which the reader may beat to the last verdicts
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      String metrics = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String stage : List.of("fashion_consumer_wait_seconds", "fashion_batching_wait_seconds",
          "fashion_model_queue_seconds", "fashion_inference_time_seconds", "fashion_commit_wait_seconds",
          "fashion_commit_time_seconds", "fashion_end_to_end_latency_seconds")) {
        assertThat(metrics).contains("# TYPE " + stage + " histogram").contains(stage + "_bucket{");
      }
      assertThat(count(metrics, "fashion_consumer_wait_seconds_count")).as("every record read")
          .isGreaterThanOrEqualTo(IMAGES + 1);
      assertThat(count(metrics, "fashion_batching_wait_seconds_count")).isEqualTo(IMAGES);
      assertThat(count(metrics, "fashion_commit_wait_seconds_count")).isGreaterThanOrEqualTo(IMAGES);
    });
  }

  private static double count(String metrics, String name) {
    return metrics.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}
