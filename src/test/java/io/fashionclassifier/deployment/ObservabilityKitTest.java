package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.streaming.ClassifierApp;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import io.fashionclassifier.streaming.SmallModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's PrometheusRule and Grafana dashboard against what the classifier really exports: the real app (real
 * broker, Apicurio, two real bundles, one active and one in shadow, and a corrupt candidate it refuses) classifies
 * images and a dead letter, its {@code /metrics} is scraped over HTTP, and every metric name, label matcher and
 * grouping label of every alert and panel expression must be in that scrape.
 */
class ObservabilityKitTest {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final int IMAGES = 200;
  /** Labels Prometheus adds to every scraped sample (the target's), which the app cannot export itself. */
  private static final Set<String> TARGET_LABELS = Set.of("namespace", "pod", "instance", "job", "service",
      "container", "endpoint");
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+\\S+.*$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @TempDir static Path models;
  private static ClassifierApp app;
  private static String scrape;
  /** Every exported sample name and, per name, its label sets. */
  private static final Map<String, List<Map<String, String>>> exported = new HashMap<>();

  @BeforeAll
  static void runTheClassifierAndScrapeIt() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    FileUtils.copyDirectory(SmallModel.bundle().toFile(), models.resolve("a").toFile());
    FileUtils.copyDirectory(SmallModel.other().toFile(), models.resolve("b").toFile());
    FileUtils.copyDirectory(SmallModel.bundle().toFile(), models.resolve("corrupt").toFile());
    Path parameters = models.resolve("corrupt").resolve(ModelBundle.PARAMETERS_FILE);
    byte[] bytes = Files.readAllBytes(parameters);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(parameters, bytes);
    ModelRepository repository = ModelRepository.at(models);
    repository.activate("a");
    repository.shadow("b");
    ClassifierConfig config = ClassifierConfig.of(Map.ofEntries(
        Map.entry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, "kit-" + RUN),
        Map.entry(ClassifierConfig.SCHEMA_REGISTRY_URL, ApicurioRegistry.shared().confluentUrl()),
        Map.entry(ClassifierConfig.MODEL_DIR, models.toString()),
        Map.entry(ClassifierConfig.MODEL_POLL_MS, "100"),
        Map.entry(ClassifierConfig.TOPIC_INPUT, "images-" + RUN),
        Map.entry(ClassifierConfig.TOPIC_CLASSIFIED, "classified-" + RUN),
        Map.entry(ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + RUN),
        Map.entry(ClassifierConfig.TOPIC_DLQ, "dlq-" + RUN),
        Map.entry(ClassifierConfig.TOPICS_PARTITIONS, "2"),
        Map.entry(ClassifierConfig.HTTP_PORT, "0"),
        // short health windows, so that the scrape holds the health gauges the kit's alert and panel use
        Map.entry(ClassifierConfig.AGGREGATES_WINDOW_MS, "1000"),
        Map.entry(ClassifierConfig.AGGREGATES_GRACE_MS, "0")));
    app = ClassifierApp.start(config);

    KafkaTestClients.produceImages(broker.bootstrapServers(), config.serdeConfig(), config.inputTopic(),
        SmallModel.data().test(), IMAGES);
    KafkaTestClients.produceRaw(broker.bootstrapServers(), config.inputTopic(), "not-avro",
        "not avro".getBytes(StandardCharsets.UTF_8));
    SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    items.configure(config.serdeConfig(), false);
    KafkaTestClients.readCommitted(broker.bootstrapServers(), config.classifiedTopic(), items,
        records -> records.size() >= IMAGES, Duration.ofMinutes(2), Duration.ZERO);
    // later captures close the first health window
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      KafkaTestClients.produceImages(broker.bootstrapServers(), config.serdeConfig(), config.inputTopic(),
          SmallModel.data().test(), IMAGES, IMAGES + 10);
      return metrics().contains("fashion_health_alarm{");
    });
    // a candidate that fails validation: refused, and the pointer diverges from what is served
    repository.activate("corrupt");
    await().atMost(Duration.ofSeconds(30)).until(() -> metrics().contains("fashion_model_refused_total{"));
    await().atMost(Duration.ofSeconds(30))
        .until(() -> metrics().contains("fashion_dead_letters_total{reason=\"deserialization\"} 1.0"));
    scrape = metrics();
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/observability-kit-scrape.txt"), scrape);
    for (String line : scrape.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.matches()) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (sample.group(3) != null) {
        Matcher label = LABEL.matcher(sample.group(3));
        while (label.find()) {
          labels.put(label.group(1), label.group(2));
        }
      }
      exported.computeIfAbsent(sample.group(1), name -> new ArrayList<>()).add(labels);
    }
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static String metrics() {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The chart with the kit on, as a user turns it on. */
  private static RenderedChart kit() {
    return RenderedChart.render(Map.of("metrics", Map.of(
        "serviceMonitor", Map.of("enabled", true),
        "prometheusRule", Map.of("enabled", true),
        "grafanaDashboard", Map.of("enabled", true))));
  }

  @Test
  void everyAlertExpressionUsesMetricsAndLabelsTheAppExports() {
    CustomResources.PrometheusRule rule = kit().one(CustomResources.PrometheusRule.class).orElseThrow();
    List<CustomResources.Rule> alerts = rule.spec().groups().stream().flatMap(g -> g.rules().stream()).toList();
    assertThat(alerts).extracting(CustomResources.Rule::alert).contains("ClassifierNotReady",
        "ClassifierConsumerLagGrowing", "ClassifierDeadLetters", "ClassifierRegistryOutage", "ClassifierTaskStuck",
        "ClassifierModelRefused", "ClassifierShadowDisagrees", "ClassifierModelHealthAlarm");
    for (CustomResources.Rule alert : alerts) {
      assertExported(alert.alert(), alert.expr());
    }
  }

  @Test
  void everyDashboardPanelUsesMetricsAndLabelsTheAppExports() throws IOException {
    ConfigMap map = kit().one(ConfigMap.class).orElseThrow();
    assertThat(map.getData()).hasSize(1);
    JsonNode dashboard = new ObjectMapper().readTree(map.getData().values().iterator().next());
    List<JsonNode> targets = new ArrayList<>();
    dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(targets::add));
    assertThat(targets).as("panels with queries").hasSizeGreaterThan(5);
    for (JsonNode target : targets) {
      assertExported("panel query " + target.path("refId").asText(), target.path("expr").asText());
    }
  }

  @Test
  void theInternalTopicKedaCanScaleOnIsOneTheAppCreated() throws Exception {
    RenderedChart chart = RenderedChart.render(Map.of("kafka", Map.of("applicationId", "kit-" + RUN),
        "autoscaling", Map.of("keda", Map.of("enabled", true, "maxReplicaCount", 2, "includeInternalTopics", true))));
    List<String> triggered = chart.one(CustomResources.ScaledObject.class).orElseThrow().spec().triggers().stream()
        .map(t -> t.metadata().get("topic")).toList();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaBroker.shared().bootstrapServers()))) {
      Set<String> topics = admin.listTopics().names().get();
      assertThat(topics).contains(triggered.get(1));
    }
  }

  @Test
  void theHealthGaugesTellWhatTheProbesAnswer() {
    assertThat(scrape).contains("fashion_ready 1.0").contains("fashion_outage 0.0").contains("fashion_stalled 0.0");
  }

  @Test
  void theExtractionFindsNamesMatchersAndGroupingLabels() {
    PromQlSelectors found = PromQlSelectors.of("sum by (namespace, pod) (rate(fashion_dead_letters_total"
        + "{reason=~\"deser[a-z]*\", job!=\"x\"}[5m])) / ignoring(reason) group_left max(up offset 5m) > 0.5 and on()"
        + " label_replace(fashion_ready, \"a\", \"$1\", \"b\", \"(.*)\") == bool 1e3");
    assertThat(found.selectors()).extracting(PromQlSelectors.Selector::metric)
        .containsExactly("fashion_dead_letters_total", "up", "fashion_ready");
    assertThat(found.selectors().get(0).matchers()).containsOnlyKeys("reason", "job");
    assertThat(found.selectors().get(0).matchers().get("reason").value()).as("brackets in a string are no range")
        .isEqualTo("deser[a-z]*");
    assertThat(found.groupingLabels()).containsExactlyInAnyOrder("namespace", "pod", "reason");
  }

  private static void assertExported(String what, String expression) {
    PromQlSelectors found = PromQlSelectors.of(expression);
    assertThat(found.selectors()).as("%s reads some metric: %s", what, expression).isNotEmpty();
    Set<String> labelsOfItsMetrics = new HashSet<>(TARGET_LABELS);
    for (PromQlSelectors.Selector selector : found.selectors()) {
      assertThat(exported).as("%s uses %s, which /metrics does not export", what, selector.metric())
          .containsKey(selector.metric());
      List<Map<String, String>> samples = exported.get(selector.metric());
      samples.forEach(labels -> labelsOfItsMetrics.addAll(labels.keySet()));
      selector.matchers().forEach((label, matcher) -> {
        if (TARGET_LABELS.contains(label)) {
          return;
        }
        assertThat(samples).as("%s: %s has a label %s", what, selector.metric(), label)
            .anyMatch(labels -> labels.containsKey(label));
        if (matcher.operator().equals("=") && !matcher.value().contains("$")) {
          assertThat(samples).as("%s: %s{%s=\"%s\"} is exported", what, selector.metric(), label, matcher.value())
              .anyMatch(labels -> matcher.value().equals(labels.get(label)));
        }
        if (matcher.operator().equals("=~") && !matcher.value().contains("$")) {
          Pattern regex = Pattern.compile(matcher.value());
          assertThat(samples).as("%s: some %s matches %s=~\"%s\"", what, selector.metric(), label, matcher.value())
              .anyMatch(labels -> labels.containsKey(label) && regex.matcher(labels.get(label)).matches());
        }
      });
    }
    assertThat(labelsOfItsMetrics).as("%s groups by labels its metrics have", what)
        .containsAll(found.groupingLabels());
  }
}
