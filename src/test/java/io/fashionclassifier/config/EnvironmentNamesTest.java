package io.fashionclassifier.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvironmentNamesTest {

  @Test
  void dotsAreSingleUnderscoresAndAnUnderscoreOfTheKeyIsADoubleOne() {
    assertThat(EnvironmentNames.variable("FASHION_", "topic.input")).isEqualTo("FASHION_TOPIC_INPUT");
    assertThat(EnvironmentNames.variable("KAFKA_", "x_y.z")).isEqualTo("KAFKA_X__Y_Z");
    assertThat(EnvironmentNames.key("TOPIC_INPUT")).isEqualTo("topic.input");
    assertThat(EnvironmentNames.key("X__Y_Z")).isEqualTo("x_y.z");
  }

  @ParameterizedTest
  @ValueSource(strings = {"bootstrap.servers", "fashion.topic.input", "a_b", "a__b.c_d", "x1.y_2.z"})
  void aKeyReadsBackFromItsVariable(String key) {
    String variable = EnvironmentNames.variable("FASHION_", key);
    assertThat(EnvironmentNames.key(variable.substring("FASHION_".length()))).isEqualTo(key);
  }

  @Test
  void onlyTheVariablesUnderThePrefixBecomeSettings() {
    Map<String, String> settings = EnvironmentNames.withPrefix(Map.of(
        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "KAFKA_SOME__NAME", "1",
        "KAFKA_", "no key",
        "SCHEMA_REGISTRY_URL", "elsewhere"), "KAFKA_", "");

    assertThat(settings).containsExactly(Map.entry("security.protocol", "SASL_SSL"), Map.entry("some_name", "1"));
  }

  @Test
  void theKeyPrefixIsPutInFront() {
    assertThat(EnvironmentNames.withPrefix(Map.of("SCHEMA_REGISTRY_SSL_TRUSTSTORE_TYPE", "PEM"),
            "SCHEMA_REGISTRY_", "schema.registry."))
        .containsExactly(Map.entry("schema.registry.ssl.truststore.type", "PEM"));
  }
}
