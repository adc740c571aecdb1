package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fashionclassifier.schema.InventoryImage;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {

  @Test
  void defaultsMatchConfluents() {
    AvroSerdeConfig config = new AvroSerdeConfig(Map.of("schema.registry.url", "http://localhost:8081"));

    assertThat(config.autoRegisterSchemas()).isTrue();
    assertThat(config.useLatestVersion()).isFalse();
    assertThat(config.credentialsSource()).isEqualTo(AvroSerdeConfig.CredentialsSource.URL);
    assertThat(config.sslTruststoreType()).isEqualTo("JKS");
    assertThat(config.maxRetries()).isEqualTo(3);
    assertThat(config.retriesWait()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.retriesMaxWait()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.readTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.subjectNameStrategy(false).subjectName("inventory-images", false, null))
        .isEqualTo("inventory-images-value");
    assertThat(config.subjectNameStrategy(true).subjectName("inventory-images", true, null))
        .isEqualTo("inventory-images-key");
  }

  @Test
  void splitsACommaSeparatedUrlListInFailoverOrder() {
    AvroSerdeConfig config = new AvroSerdeConfig(Map.of("schema.registry.url", " http://a:8081, http://b:8081 "));

    assertThat(config.registryUrls()).containsExactly("http://a:8081", "http://b:8081");
    assertThat(config.mockScope()).isNull();
  }

  @Test
  void acceptsConfluentsStrategyClassNames() {
    AvroSerdeConfig config = new AvroSerdeConfig(Map.of(
        "value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy"));

    assertThat(config.subjectNameStrategy(false)).isInstanceOf(RecordNameStrategy.class);
    assertThat(config.subjectNameStrategy(false).subjectName("t", false, InventoryImage.getClassSchema()))
        .isEqualTo("io.fashionclassifier.schema.InventoryImage");
  }

  @Test
  void rejectsAMissingUrlSayingWhatToSet() {
    assertThatThrownBy(() -> new SpecificAvroSerde<InventoryImage>().configure(Map.of(), false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.url is required");
  }

  @Test
  void rejectsNonBooleanFlags() {
    AvroSerdeConfig config = new AvroSerdeConfig(Map.of("auto.register.schemas", "yes"));

    assertThatThrownBy(config::autoRegisterSchemas).isInstanceOf(ConfigException.class)
        .hasMessageContaining("auto.register.schemas");
  }

  @Test
  void environmentFillsOnlyMissingKeys() {
    Map<String, Object> merged = AvroSerdeConfig.withEnvironment(Map.of("auto.register.schemas", "false"), Map.of(
        "FASHION_SCHEMA_REGISTRY_URL", "http://registry:8081", "FASHION_AUTO_REGISTER_SCHEMAS", "true"));

    assertThat(merged).containsEntry("schema.registry.url", "http://registry:8081")
        .containsEntry("auto.register.schemas", "false");
  }
}
