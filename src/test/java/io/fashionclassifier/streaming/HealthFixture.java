package io.fashionclassifier.streaming;

import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;

/**
 * The model-health part of the topology on its own in a {@link TopologyTestDriver}: verdicts in (as the
 * micro-batcher emits them), model-health records out, with a mock registry and the default one-minute windows.
 */
final class HealthFixture implements AutoCloseable {

  static final String VERDICTS = "verdicts";
  static final String HEALTH = "model-health";
  static final String VERSION = "v1";
  static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");
  static final long WINDOW = 60_000;

  final String registryUrl = "mock://health-" + UUID.randomUUID();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final TopologyTestDriver driver;
  final TestInputTopic<String, ClassifiedItem> verdicts;
  final TestOutputTopic<String, ModelHealth> health;
  private final List<KeyValue<String, ModelHealth>> seen = new ArrayList<>();
  private int items;

  /** With {@code calibration} for model {@link #VERSION} (none when null) and {@code settings} over the defaults. */
  HealthFixture(Calibration calibration, Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(Map.of(
        StreamsConfig.APPLICATION_ID_CONFIG, "health-test-" + UUID.randomUUID(),
        StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
        ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl));
    all.putAll(settings);
    ClassifierConfig config = ClassifierConfig.of(all);
    ClassifierTopology.AvroSerdes serdes = ClassifierApp.avroSerdes(config);
    StreamsBuilder builder = new StreamsBuilder();
    HealthTopology.addTo(builder,
        builder.stream(VERDICTS, Consumed.with(org.apache.kafka.common.serialization.Serdes.String(),
            serdes.classifiedItems())),
        config.healthSettings(), config.topologySettings(), serdes.health(),
        version -> VERSION.equals(version) ? Optional.ofNullable(calibration) : Optional.empty(), registry);
    Properties props = config.streamsProperties();
    driver = new TopologyTestDriver(builder.build(props), props, T0);
    verdicts = driver.createInputTopic(VERDICTS, new StringSerializer(), serdes.classifiedItems().serializer());
    health = driver.createOutputTopic(HEALTH, new StringDeserializer(), serdes.health().deserializer());
  }

  /**
   * A verdict of {@code scanner} classified at {@code classified} (millis after {@link #T0}) and captured
   * {@code skew} millis before, predicting {@code label} with top-3 probabilities {@code top}.
   */
  void verdict(String scanner, long classified, long skew, int label, float... top) {
    List<LabelScore> scores = new ArrayList<>();
    for (int i = 0; i < top.length; i++) {
      scores.add(new LabelScore(FashionClass.values()[(label + i) % 10], top[i]));
    }
    Instant classifiedAt = T0.plusMillis(classified);
    ClassifiedItem item = ClassifiedItem.newBuilder()
        .setItemId("item-" + items++)
        .setScannerId(scanner)
        .setWarehouseId("warehouse-" + scanner)
        .setCaptureTime(classifiedAt.minusMillis(skew))
        .setPredictedLabel(FashionClass.values()[label])
        .setConfidence(top[0])
        .setTopK(scores)
        .setModelVersion(VERSION)
        .setClassifiedTime(classifiedAt)
        .build();
    verdicts.pipeInput(item.getItemId(), item, classifiedAt);
  }

  /**
   * Ten verdicts in window {@code window} that match {@link HealthTopologyTest#REFERENCE} exactly: one of each
   * class, confidences 2 x 0.5 (one of them low-margin), 3 x 0.75, 5 x 0.9375.
   */
  void cleanWindow(String scanner, long window, long skew) {
    float[] confidences = {0.5f, 0.5f, 0.75f, 0.75f, 0.75f, 0.9375f, 0.9375f, 0.9375f, 0.9375f, 0.9375f};
    for (int label = 0; label < 10; label++) {
      float p = confidences[label];
      float second = label == 0 ? 0.4375f : (1 - p) / 2;
      verdict(scanner, window * WINDOW + 1_000 + label, skew, label, p, second, (1 - p - second) / 2);
    }
  }

  /** Ten verdicts in window {@code window}, all of class 0 at confidence 0.9375: far from the reference's mix. */
  void driftedWindow(String scanner, long window) {
    for (int i = 0; i < 10; i++) {
      verdict(scanner, window * WINDOW + 2_000 + i, 100, 0, 0.9375f, 0.03125f, 0.015625f);
    }
  }

  /** Pipes {@code item} at its classified time. */
  void pipe(ClassifiedItem item) {
    verdicts.pipeInput(item.getItemId(), item, item.getClassifiedTime());
  }

  /** A verdict of another scanner late enough to close every window up to {@code window}. */
  void closeThrough(long window) {
    verdict("clock", window * WINDOW + WINDOW + 30_000, 0, 0, 1f, 0f, 0f);
  }

  /** Every record read so far from the health topic. */
  List<KeyValue<String, ModelHealth>> records() {
    seen.addAll(health.readKeyValuesToList());
    return List.copyOf(seen);
  }

  List<ModelHealth> windows(String scopeKey) {
    return records().stream()
        .filter(r -> r.value.getKind() == HealthKind.WINDOW && r.key.startsWith(scopeKey + "/" + VERSION + "@"))
        .map(r -> r.value).toList();
  }

  List<ModelHealth> changes(String scopeKey) {
    return records().stream()
        .filter(r -> r.value.getKind() != HealthKind.WINDOW && r.key.equals(scopeKey + "/" + VERSION))
        .map(r -> r.value).toList();
  }

  static Map<String, String> judgingWindowsOf(int minItems) {
    return Map.of(ClassifierConfig.HEALTH_MIN_ITEMS, Integer.toString(minItems));
  }

  @Override
  public void close() {
    driver.close();
    MockSchemaRegistry.dropScope(registryUrl.substring("mock://".length()));
  }
}
