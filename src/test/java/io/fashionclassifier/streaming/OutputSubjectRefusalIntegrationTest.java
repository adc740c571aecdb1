package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.schema.ClassifiedItem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

  private static ClassifierConfig config(String registryUrl) {
    return TestRuns.config("refusal", Map.of(
        ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl,
        ClassifierConfig.OUTAGE_BACKOFF_MAX_MS, "1000"));
  }

  @Test
  void anOutputSubjectThatRefusesTheSchemaFailsTheStartWithOneLineNamingIt() throws Exception {
    ClassifierConfig config = config(ApicurioRegistry.shared().confluentUrl());
    String subject = config.classifiedTopic() + "-value";
    RefusingSubjects.refuse(subject);

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
    KafkaBroker broker = KafkaBroker.shared();
    String registryUrl = ApicurioRegistry.shared().confluentUrl();
    URI direct = URI.create(registryUrl);
    try (TcpProxy proxy = new TcpProxy(direct.getPort())) {
      // the start-up check cannot see the registry, so the refusal is only met by the first batch
      proxy.cut();
      ClassifierConfig config =
          config(direct.getScheme() + "://127.0.0.1:" + proxy.port() + direct.getPath());
      String subject = config.classifiedTopic() + "-value";
      Map<String, Object> directSerde = TestRuns.directSerdeConfig(config);

      try (ModelBundle bundle = ModelBundle.load(config.modelDir());
          ClassifierApp app = ClassifierApp.start(config, bundle::newClassifier)) {
        RefusingSubjects.refuse(subject);
        KafkaTestClients.produceImages(broker.bootstrapServers(), directSerde, config.inputTopic(),
            SmallModel.data().test(), IMAGES);
        proxy.restore();

        await().atMost(Duration.ofMinutes(1)).until(app::inOutage);
        // Input offsets may be committed meanwhile: the model runs off the stream thread, so a commit can fall while a
        // batch is with the model, and its records are then committed as buffered (restored and classified again
        // after the outage). That nothing is lost or doubled is what the count of verdicts below shows.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(40)).until(() -> app.inOutage()
            && readyStatus(app) == 503 && classified(broker, config, 0, Duration.ZERO).isEmpty());

        RefusingSubjects.accept(subject);
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

  private static int readyStatus(ClassifierApp app) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static List<ConsumerRecord<String, ClassifiedItem>> classified(
      KafkaBroker broker, ClassifierConfig config, int expected, Duration timeout) {
    return TestRuns.verdicts(config, records -> records.size() >= expected, timeout, Duration.ofSeconds(1));
  }
}
