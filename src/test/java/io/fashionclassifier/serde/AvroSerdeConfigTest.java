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
    assertThat(config.subjectNameStrategy(false).subjectName("inventory-images", false, null))
        .isEqualTo("inventory-images-value");
    assertThat(config.subjectNameStrategy(true).subjectName("inventory-images", true, null))
        .isEqualTo("inventory-images-key");
  }

  @Test
  void registryTimeoutsFitInsideAnExactlyOnceTransaction() {
    AvroSerdeConfig config = new AvroSerdeConfig(Map.of("schema.registry.url", "http://localhost:8081"));

    assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.readTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.totalTimeout()).isEqualTo(Duration.ofSeconds(8))
        .isLessThan(Duration.ofSeconds(10)); // Kafka Streams' transaction.timeout.ms under exactly_once_v2
    assertThat(config.maxRetries()).isEqualTo(3);
    assertThat(config.retriesWait()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.retriesMaxWait()).isEqualTo(Duration.ofSeconds(4));
  }

  @Test
  void rejectsAReadTimeoutOfZeroWhenConfigured() {
    SpecificAvroSerde<InventoryImage> serde = new SpecificAvroSerde<>();

    assertThatThrownBy(() -> serde.configure(
        Map.of("schema.registry.url", "http://localhost:8081", "http.read.timeout.ms", "0"), false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.read.timeout.ms")
        .hasMessageContaining("at least 1");
  }

  @Test
  void rejectsATotalTimeoutOfZeroWhenConfigured() {
    assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("http.total.timeout.ms", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.total.timeout.ms");
  }

  @Test
  void rejectsANumberThatIsNoNumberNamingTheKey() {
    assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("max.retries", "three")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max.retries");
  }

  @Test
  void rejectsAnUnknownCredentialsSource() {
    assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("basic.auth.credentials.source", "SASL_INHERIT")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("basic.auth.credentials.source");
  }

  @Test
  void doesNotQuoteAPasswordInAnError() {
    assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("schema.registry.ssl.truststore.password",
        java.util.List.of("s3cret"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageNotContaining("s3cret");
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
    assertThatThrownBy(() -> new AvroSerdeConfig(Map.of("auto.register.schemas", "yes")))
        .isInstanceOf(ConfigException.class)
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
