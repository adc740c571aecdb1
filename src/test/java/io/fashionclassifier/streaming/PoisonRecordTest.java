package io.fashionclassifier.streaming;

import static io.fashionclassifier.streaming.KafkaTestClients.header;
import static io.fashionclassifier.streaming.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.serde.AvroSerdeConfig;
import io.fashionclassifier.serde.KafkaAvroSerializer;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import io.fashionclassifier.serde.RecordNameStrategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Records that once stopped the stream thread (issue 12, findings 1 and 3): each now goes to the dead-letter topic
 * with its reason, and the record after it is classified.
 */
class PoisonRecordTest {

  private static final Duration LONG_WAIT = Duration.ofHours(1);

  /** A producer that registers under the record's own name, as a misconfigured scanner or a copy job would. */
  private static KafkaAvroSerializer strayProducer(TopologyFixture fixture) {
    KafkaAvroSerializer serializer = new KafkaAvroSerializer();
    serializer.configure(Map.of(
        AvroSerdeConfig.SCHEMA_REGISTRY_URL, fixture.registryUrl,
        AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, RecordNameStrategy.class.getName()), false);
    return serializer;
  }

  private static void assertDeadLetteredThenNextClassified(TopologyFixture fixture, byte[] hostile, String reason) {
    fixture.input.pipeInput("hostile", hostile);
    fixture.pipe(image("after", 4, null));

    List<TestRecord<byte[], byte[]>> letters = fixture.deadLetters.readRecordsToList();
    assertThat(letters).hasSize(1);
    assertThat(header(letters.get(0).headers(), DeadLetters.MESSAGE)).contains(reason);
    assertThat(fixture.classified.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("after");
  }

  @Test
  void aRecordOfAnotherAvroTypeIsDeadLetteredNotCastToAnImage() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      ClassifiedItem verdict = ClassifiedItem.newBuilder()
          .setItemId("copied").setScannerId("s").setWarehouseId("w").setCaptureTime(Instant.EPOCH)
          .setPredictedLabel(FashionClass.BAG).setConfidence(0.9f).setTopK(List.of()).setModelVersion("v")
          .setClassifiedTime(Instant.EPOCH).setTrueLabel(null).setCorrect(null).build();
      byte[] hostile = strayProducer(fixture).serialize(TopologyFixture.INPUT, verdict);

      assertDeadLetteredThenNextClassified(fixture, hostile, "ClassifiedItem");
    }
  }

  @Test
  void aPlainAvroStringIsDeadLetteredNotCastToAnImage() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      int id = MockSchemaRegistry.getClientForScope(fixture.registryUrl.substring("mock://".length()))
          .register("string", Schema.create(Schema.Type.STRING));
      ByteBuffer hostile = ByteBuffer.allocate(WireFormat.HEADER_SIZE + 13)
          .put(WireFormat.MAGIC_BYTE).putInt(id)
          .put((byte) 24).put("not an image".getBytes(StandardCharsets.UTF_8)); // zig-zag length 12, then UTF-8

      assertDeadLetteredThenNextClassified(fixture, hostile.array(), "string");
    }
  }

  @Test
  void anItemIdTooLongForTheOutputsIsDeadLetteredAtArrival() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      byte[] hostile = fixture.bytes(image("x".repeat(1_000), 3, null));

      assertDeadLetteredThenNextClassified(fixture, hostile, "itemId is 1000 bytes long");
    }
  }

  @Test
  void aDeadLetterIsCutToTheProducersRequestSizeAndSaysSo() {
    byte[] garbage = new byte[1024 * 1024];
    new Random(12).nextBytes(garbage);
    garbage[0] = 0; // the wire format's magic byte, so that it fails later, on the schema id
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      fixture.input.pipeInput("garbage", garbage);
      fixture.pipe(image("after", 4, null));

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      int size = letter.value().length + (letter.key() == null ? 0 : letter.key().length);
      for (Header h : letter.headers()) {
        size += h.key().length() + h.value().length;
      }
      assertThat(size).as("key, value and headers").isLessThanOrEqualTo(1024 * 1024 - 1024);
      assertThat(header(letter.headers(), DeadLetters.TRUNCATED)).isEqualTo(Integer.toString(garbage.length));
      assertThat(header(letter.headers(), DeadLetters.OFFSET)).isEqualTo("0");
      assertThat(fixture.classified.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("after");
    }
  }

  @Test
  void aDeadLetterOfNormalSizeIsSentWhole() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      byte[] wrongSize = fixture.bytes(image("small", 3, null, "scanner-1", 27, 28));
      fixture.input.pipeInput("small", wrongSize);

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(letter.value()).isEqualTo(wrongSize);
      assertThat(letter.headers().lastHeader(DeadLetters.TRUNCATED)).isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {-1, -86_400_000L * 365 * 100, Long.MIN_VALUE})
  void aCaptureTimeBefore1970IsDeadLetteredAtArrivalNotLeftToWedgeTheFlush(long captureTime) {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      byte[] hostile = fixture.bytes(TestImages.captured(image("early", 3, null), Instant.ofEpochMilli(captureTime)));

      assertDeadLetteredThenNextClassified(fixture, hostile, "is before 1970-01-01T00:00:00Z");
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {0, Long.MAX_VALUE})
  void captureTimesAtTheEpochAndFarAheadAreClassified(long captureTime) {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      fixture.pipe(TestImages.captured(image("edge", 3, null), Instant.ofEpochMilli(captureTime)));
      fixture.pipe(image("after", 4, null));

      assertThat(fixture.classified.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("edge", "after");
      assertThat(fixture.deadLetters.isEmpty()).isTrue();
    }
  }

  @Test
  void aRecordWhoseHeadersExceedTheBoundIsDeadLetteredWithoutThemAndSaysHowManyItHad() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      RecordHeaders headers = new RecordHeaders();
      for (int i = 0; i < 40; i++) {
        headers.add("trace-" + i, new byte[32 * 1024]);
      }
      byte[] image = fixture.bytes(image("headers", 3, null));
      fixture.input.pipeInput(new TestRecord<>("headers", image, headers, TopologyFixture.START));
      fixture.pipe(image("after", 4, null));

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(header(letter.headers(), DeadLetters.MESSAGE)).contains("with its 40 headers");
      assertThat(header(letter.headers(), DeadLetters.HEADERS_DROPPED)).isEqualTo("40");
      assertThat(letter.headers().lastHeader("trace-0")).isNull();
      assertThat(letter.value()).as("the value is kept whole").isEqualTo(image);
      assertThat(fixture.deadLetters.isEmpty()).isTrue();
      assertThat(fixture.classified.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("after");
    }
  }

  @Test
  void manySmallHeadersCountTowardsTheBound() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      RecordHeaders headers = new RecordHeaders();
      for (int i = 0; i < 20_000; i++) {
        headers.add("h", new byte[0]);
      }
      fixture.input.pipeInput(new TestRecord<>("many", fixture.bytes(image("many", 3, null)), headers,
          TopologyFixture.START));
      fixture.pipe(image("after", 4, null));

      assertThat(header(fixture.deadLetters.readRecord().headers(), DeadLetters.MESSAGE))
          .contains("with its 20000 headers");
      assertThat(fixture.classified.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("after");
    }
  }

  @Test
  void headersWithinTheBoundTravelWithTheRecord() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      RecordHeaders headers = new RecordHeaders();
      headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(
          StandardCharsets.UTF_8));
      fixture.input.pipeInput(new TestRecord<>("small", fixture.bytes(image("small", 3, null, "scanner-1", 27, 28)),
          headers, TopologyFixture.START));

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(header(letter.headers(), "traceparent")).startsWith("00-4bf92f");
      assertThat(letter.headers().lastHeader(DeadLetters.HEADERS_DROPPED)).isNull();
    }
  }
}
