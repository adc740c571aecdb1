package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fashionclassifier.serde.RegistryEntities.SchemaRequest;
import io.fashionclassifier.serde.RegistryEntities.SubjectVersion;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The transport layer on its own, against a loopback HTTP server scripted with the answers a real registry cannot
 * be made to give: one attempt per call (no retries here), typed answers, and every failure mapped to a status and
 * error_code. The same calls against the real Apicurio: {@link RegistryTransportApicurioTest}.
 */
class RegistryTransportTest {

  private static final Duration GENEROUS = Duration.ofSeconds(30);
  private static final SchemaRequest REQUEST = new SchemaRequest("\"string\"");

  private final ScriptedRegistry registry = new ScriptedRegistry(ScriptedRegistry.inventoryImageSchema());

  @AfterEach
  void stop() {
    registry.close();
  }

  private static RegistryTransport transport(String urls, String... extra) {
    Map<String, String> props = new HashMap<>(Map.of("schema.registry.url", urls));
    for (int i = 0; i < extra.length; i += 2) {
      props.put(extra[i], extra[i + 1]);
    }
    return new RegistryTransport(new AvroSerdeConfig(props));
  }

  private static long inSeconds(long seconds) {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
  }

  private static SchemaRegistryException failure(ThrowingCallable call) {
    return assertTimeoutPreemptively(GENEROUS, () -> catchThrowableOfType(SchemaRegistryException.class, call));
  }

  @Test
  void aCallIsOneAttemptWhateverTheAnswer() {
    registry.answerWith(ScriptedRegistry.error(503, 50001, "store unavailable"));

    SchemaRegistryException e = failure(() -> transport(registry.url()).schemaById(7, inSeconds(5)));

    assertThat(e.status()).isEqualTo(503);
    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.STORE_ERROR);
    assertThat(e.isRetriable()).isTrue();
    assertThat(registry.requests()).hasSize(1);
  }

  @ParameterizedTest
  @CsvSource({
      "404, 40403, false", "404, 40401, false", "409, 409, false", "422, 42201, false", "401, 40101, false",
      "403, 40301, false", "429, 429, true", "500, 50001, true", "504, 50002, true"})
  void aRegistryErrorKeepsItsStatusAndErrorCode(int status, int errorCode, boolean retriable) {
    registry.answerWith(ScriptedRegistry.error(status, errorCode, "scripted refusal"));

    SchemaRegistryException e =
        failure(() -> transport(registry.url()).register("s-value", REQUEST, inSeconds(5)));

    assertThat(e.status()).isEqualTo(status);
    assertThat(e.errorCode()).isEqualTo(errorCode);
    assertThat(e.isRetriable()).isEqualTo(retriable);
    assertThat(e).hasMessageContaining("POST /subjects/s-value/versions").hasMessageContaining("scripted refusal");
  }

  @Test
  void anErrorPageThatIsNotTheRegistrysKeepsTheStatusAsItsCode() {
    registry.answerWith(ScriptedRegistry.json(502, "<html><body>Bad Gateway</body></html>"));

    SchemaRegistryException e = failure(() -> transport(registry.url()).schemaById(7, inSeconds(5)));

    assertThat(e.errorCode()).isEqualTo(502);
    assertThat(e.isRetriable()).isTrue();
    assertThat(e).hasMessageContaining("Bad Gateway");
  }

  @Test
  void aLongErrorMessageIsCut() {
    registry.answerWith(ScriptedRegistry.error(422, 42201, "x".repeat(10_000)));

    SchemaRegistryException e = failure(() -> transport(registry.url()).schemaById(7, inSeconds(5)));

    assertThat(e.getMessage()).hasSizeLessThan(500).contains("x".repeat(300) + "...");
  }

  @Test
  void noUrlAnsweringIsUnreachableWithStatusZero() {
    SchemaRegistryException e = failure(() -> transport(ScriptedRegistry.closedUrl()).schemaById(7, inSeconds(5)));

    assertThat(e.status()).isZero();
    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE);
    assertThat(e.isRetriable()).isTrue();
  }

  @Test
  void aBodyThatStopsHalfWayEndsWithinTheReadTimeoutAsUnreachable() {
    registry.answerWith(registry.hangInTheBody());

    SchemaRegistryException e = failure(
        () -> transport(registry.url(), "http.read.timeout.ms", "200").schemaById(7, inSeconds(20)));

    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE);
    assertThat(e).hasMessageContaining("no complete answer within 200 ms");
  }

  @Test
  void anAttemptEndsByItsDeadlineEvenWithALongerReadTimeout() {
    registry.answerWith(registry.hang());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);

    SchemaRegistryException e = failure(
        () -> transport(registry.url(), "http.read.timeout.ms", "20000").schemaById(7, deadline));

    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE);
    assertThat(e.getMessage()).doesNotContain("within 20000 ms");
  }

  @Test
  void anAnswerLargerThanTheLimitIsCutAndUnusable() {
    registry.answerWith(ScriptedRegistry.endlessBody());

    SchemaRegistryException e = failure(() -> transport(registry.url()).schemaById(7, inSeconds(20)));

    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNUSABLE_SCHEMA);
    assertThat(e).hasMessageContaining("larger than 8 MiB");
  }

  @Test
  void readsTheFieldsItKnowsAndIgnoresTheOnesRegistriesAdd() {
    registry.answerWith(ScriptedRegistry.json(200, "{\"subject\":\"s-value\",\"version\":3,\"id\":41,"
        + "\"guid\":\"0b7e\",\"schemaType\":\"AVRO\",\"schema\":\"\\\"string\\\"\",\"references\":[],"
        + "\"metadata\":{\"properties\":{\"owner\":\"ops\"}},\"ruleSet\":{\"domainRules\":[]}}"));

    SubjectVersion latest = transport(registry.url()).latestVersion("s-value", inSeconds(5));

    assertThat(latest).isEqualTo(new SubjectVersion("s-value", 3, 41, "AVRO", "\"string\""));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"{\"id\":\"twelve\"}", "{\"id\":12.5}", "{\"id\":3000000000}", "[12]",
      "null", "\"12\""})
  void anAnswerOfAnotherShapeThanTheApisIsUnusable(String body) {
    registry.answerWith(ScriptedRegistry.json(200, body));

    SchemaRegistryException e =
        failure(() -> transport(registry.url()).register("s-value", REQUEST, inSeconds(5)));

    assertThat(e.errorCode()).as(body).isEqualTo(SchemaRegistryException.UNUSABLE_SCHEMA);
    assertThat(e.isRetriable()).isFalse();
  }

  @Test
  void aSuccessThatIsNotJsonSaysNothingAboutTheSchemaAndKeepsTheStatusAsItsCode() {
    registry.answerWith(ScriptedRegistry.json(200, "<html><body>Welcome to the proxy</body></html>"));

    SchemaRegistryException e = failure(() -> transport(registry.url()).schemaById(7, inSeconds(5)));

    assertThat(e.errorCode()).isEqualTo(200);
    assertThat(e.concernsTheSchemaOnly()).isFalse();
  }

  @Test
  void afterAFailoverTheUrlThatAnsweredIsTriedFirst() {
    try (ScriptedRegistry silent = new ScriptedRegistry(ScriptedRegistry.inventoryImageSchema())) {
      silent.answerWith(silent.hang());
      RegistryTransport transport =
          transport(silent.url() + "," + registry.url(), "http.read.timeout.ms", "300");

      assertTimeoutPreemptively(GENEROUS, () -> {
        transport.schemaById(1, inSeconds(20));
        transport.schemaById(2, inSeconds(20));
      });

      assertThat(silent.requests()).hasSize(1);
      assertThat(registry.requests()).extracting(ScriptedRegistry.Request::path)
          .containsExactly("/schemas/ids/1", "/schemas/ids/2");
    }
  }

  @Test
  void subjectsArePercentEncodedInThePath() {
    registry.answerWith(ScriptedRegistry.json(200, "{\"compatibilityLevel\":\"FULL\"}"));

    String level = transport(registry.url()).config("a b/c?d", inSeconds(5)).level();

    assertThat(level).isEqualTo("FULL");
    assertThat(registry.requests()).extracting(ScriptedRegistry.Request::path)
        .containsExactly("/config/a%20b%2Fc%3Fd");
  }
}
