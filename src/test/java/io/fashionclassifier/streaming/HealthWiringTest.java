package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.ModelHealth;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;

/** The health figures as part of the whole classifier topology ({@link TopologyFixture}). */
class HealthWiringTest {

  private static final Duration LONG_WAIT = Duration.ofHours(1);

  @Test
  void theClassifierSendsAHealthWindowOfItsVerdicts() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      TestOutputTopic<String, ModelHealth> health = healthTopic(fixture);
      fixture.pipe(TestImages.image("a", 3, null));
      fixture.pipe(TestImages.image("b", 4, null));
      fixture.driver.advanceWallClockTime(Duration.ofMinutes(2));
      fixture.pipe(TestImages.image("c", 5, null));

      KeyValue<String, ModelHealth> scanner = health.readKeyValuesToList().stream()
          .filter(record -> record.key.startsWith("SCANNER:scanner-1/" + FakeClassifier.VERSION + "@"))
          .findFirst().orElseThrow();
      assertThat(scanner.value.getKind()).isEqualTo(HealthKind.WINDOW);
      assertThat(scanner.value.getCount()).isEqualTo(2);
      assertThat(scanner.value.getClassMix().get(3)).isEqualTo(0.5);
      assertThat(scanner.value.getClassMix().get(4)).isEqualTo(0.5);
    }
  }

  @Test
  void switchedOffTheClassifierSendsNoHealthRecords() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT,
        Map.of(ClassifierConfig.HEALTH_ENABLED, "false"))) {
      fixture.pipe(TestImages.image("a", 3, null));
      fixture.driver.advanceWallClockTime(Duration.ofMinutes(2));
      fixture.pipe(TestImages.image("b", 4, null));
      assertThat(fixture.classified.readValuesToList()).hasSize(2);
      assertThat(fixture.driver.producedTopicNames()).doesNotContain("model-health");
    }
  }

  private static TestOutputTopic<String, ModelHealth> healthTopic(TopologyFixture fixture) {
    return fixture.driver.createOutputTopic("model-health", new StringDeserializer(),
        ClassifierApp.avroSerdes(ClassifierConfig.of(Map.of(ClassifierConfig.SCHEMA_REGISTRY_URL,
            fixture.registryUrl))).health().deserializer());
  }
}
