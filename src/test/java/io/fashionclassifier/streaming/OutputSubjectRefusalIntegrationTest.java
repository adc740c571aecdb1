package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, finding 2: an output subject that refuses the classifier's schema (an incompatible version under its
 * compatibility rule) used to make the production handler drop every verdict while the input offsets committed.
 * Now it fails the start with one line when it is so at start, and is an outage when it becomes so later: not
 * ready, nothing committed, retried with backoff, every verdict out exactly once when the subject accepts again.
 */
class OutputSubjectRefusalIntegrationTest {

  private static final int IMAGES = 30;
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** A ClassifiedItem of another shape: under BACKWARD, the real one (required fields it lacks) cannot follow it. */
  private static final String INCOMPATIBLE = "{\"type\":\"record\",\"name\":\"ClassifiedItem\","
      + "\"namespace\":\"io.fashionclassifier.schema\",\"fields\":[{\"name\":\"legacy\",\"type\":\"int\"}]}";

  private static ClassifierConfig config(String run, String registryUrl) {
    return ClassifierConfig.of(Map.ofEntries(
        Map.entry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.shared().bootstrapServers()),
        Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, "refusal-" + run),
        Map.entry(ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl),
        Map.entry(ClassifierConfig.MODEL_DIR, SmallModel.bundle().toString()),
        Map.entry(ClassifierConfig.TOPIC_INPUT, "images-" + run),
        Map.entry(ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + run),
        Map.entry(ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + run),
        Map.entry(ClassifierConfig.TOPIC_DLQ, "dlq-" + run),
        Map.entry(ClassifierConfig.TOPICS_PARTITIONS, "2"),
        Map.entry(ClassifierConfig.HTTP_PORT, "0"),
        Map.entry(ClassifierConfig.OUTAGE_BACKOFF_MAX_MS, "1000")));
  }

  @Test
  void anOutputSubjectThatRefusesTheSchemaFailsTheStartWithOneLineNamingIt() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    ClassifierConfig config = config(run, ApicurioRegistry.shared().confluentUrl());
    String subject = config.classifiedTopic() + "-value";
    refuse(subject);

    try (ModelBundle bundle = ModelBundle.load(config.modelDir())) {
      assertThatThrownBy(() -> ClassifierApp.start(config, bundle::newClassifier).close())
          .isInstanceOf(StreamingException.class)
          .hasMessageContaining("schema subject '" + subject + "'")
          .hasMessageContaining("PUT /config/" + subject)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void verdictsWaitWhileTheOutputSubjectRefusesAndComeOutOnceWhenItAccepts() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    KafkaBroker broker = KafkaBroker.shared();
    String registryUrl = ApicurioRegistry.shared().confluentUrl();
    URI direct = URI.create(registryUrl);
    try (TcpProxy proxy = new TcpProxy(direct.getPort())) {
      // the start-up check cannot see the registry, so the refusal is only met by the first batch
      proxy.cut();
      ClassifierConfig config =
          config(run, direct.getScheme() + "://127.0.0.1:" + proxy.port() + direct.getPath());
      String subject = config.classifiedTopic() + "-value";
      Map<String, Object> directSerde = new HashMap<>(config.serdeConfig());
      directSerde.put(ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl);

      try (ModelBundle bundle = ModelBundle.load(config.modelDir());
          ClassifierApp app = ClassifierApp.start(config, bundle::newClassifier)) {
        refuse(subject);
        KafkaTestClients.produceImages(broker.bootstrapServers(), directSerde, config.inputTopic(),
            SmallModel.data().test(), IMAGES);
        proxy.restore();

        await().atMost(Duration.ofMinutes(1)).until(app::inOutage);
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(40)).until(() -> app.inOutage()
            && readyStatus(app) == 503 && committedInput(config).isEmpty()
            && classified(broker, config, 0, Duration.ZERO).isEmpty());

        accept(subject);
        List<ConsumerRecord<String, ClassifiedItem>> verdicts = classified(broker, config, IMAGES,
            Duration.ofMinutes(2));
        Map<String, Long> perItem = verdicts.stream()
            .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
        assertThat(perItem).hasSize(IMAGES);
        assertThat(perItem.values()).containsOnly(1L);
        await().atMost(Duration.ofSeconds(30)).until(() -> !app.inOutage() && readyStatus(app) == 200);
      }
    }
  }

  private static void refuse(String subject) throws Exception {
    String url = ApicurioRegistry.shared().confluentUrl();
    send(HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"schema\": " + com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                .writeValueAsString(INCOMPATIBLE) + "}")));
    setCompatibility(subject, "BACKWARD");
  }

  private static void accept(String subject) throws Exception {
    setCompatibility(subject, "NONE");
  }

  private static void setCompatibility(String subject, String level) throws Exception {
    String url = ApicurioRegistry.shared().confluentUrl();
    send(HttpRequest.newBuilder(URI.create(url + "/config/" + subject))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\": \"" + level + "\"}")));
  }

  private static void send(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> answer = HTTP.send(
        request.header("Content-Type", "application/vnd.schemaregistry.v1+json").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static int readyStatus(ClassifierApp app) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** The input offsets the classifier's group has committed, beyond the start. */
  private static Map<?, OffsetAndMetadata> committedInput(ClassifierConfig config) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", config.bootstrapServers()))) {
      return admin.listConsumerGroupOffsets(config.applicationId()).partitionsToOffsetAndMetadata().get()
          .entrySet().stream()
          .filter(entry -> entry.getKey().topic().equals(config.inputTopic()) && entry.getValue() != null
              && entry.getValue().offset() > 0)
          .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
  }

  private static List<ConsumerRecord<String, ClassifiedItem>> classified(
      KafkaBroker broker, ClassifierConfig config, int expected, Duration timeout) {
    SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    items.configure(Map.of(ClassifierConfig.SCHEMA_REGISTRY_URL, ApicurioRegistry.shared().confluentUrl()), false);
    return KafkaTestClients.readCommitted(broker.bootstrapServers(), config.classifiedTopic(), items,
        records -> records.size() >= expected, timeout, Duration.ofSeconds(1));
  }
}
