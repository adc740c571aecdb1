package io.fashionclassifier.streaming;

import static io.fashionclassifier.schema.FashionClass.ANKLE_BOOT;
import static io.fashionclassifier.schema.FashionClass.BAG;
import static io.fashionclassifier.schema.FashionClass.DRESS;
import static io.fashionclassifier.schema.FashionClass.PULLOVER;
import static io.fashionclassifier.schema.FashionClass.TROUSER;
import static io.fashionclassifier.schema.FashionClass.T_SHIRT_TOP;
import static io.fashionclassifier.streaming.KafkaTestClients.header;
import static io.fashionclassifier.streaming.TestImages.captured;
import static io.fashionclassifier.streaming.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.LabelScore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class ClassifierTopologyTest {

  private static final Duration LONG_WAIT = Duration.ofHours(1);

  @Test
  void aVerdictCarriesItsInputsTraceContextAndNoOtherHeader() {
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    try (TopologyFixture fixture = new TopologyFixture(2, LONG_WAIT)) {
      RecordHeaders traced = new RecordHeaders();
      traced.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
      traced.add("tracestate", "vendor=1".getBytes(StandardCharsets.UTF_8));
      traced.add("scanner-firmware", "7.1".getBytes(StandardCharsets.UTF_8));
      fixture.input.pipeInput(new TestRecord<>("traced", fixture.bytes(image("traced", 1, null)), traced));
      fixture.pipe(image("untraced", 2, null));

      Map<String, TestRecord<String, ClassifiedItem>> verdicts = new java.util.HashMap<>();
      fixture.classified.readRecordsToList().forEach(record -> verdicts.put(record.key(), record));

      assertThat(header(verdicts.get("traced").headers(), "traceparent")).isEqualTo(traceparent);
      assertThat(header(verdicts.get("traced").headers(), "tracestate")).isEqualTo("vendor=1");
      assertThat(verdicts.get("traced").headers().lastHeader("scanner-firmware")).isNull();
      assertThat(verdicts.get("untraced").headers().toArray()).isEmpty();
    }
  }

  @Test
  void classifiesAsSoonAsTheBatchIsFull() {
    try (TopologyFixture fixture = new TopologyFixture(4, LONG_WAIT)) {
      for (int i = 0; i < 3; i++) {
        fixture.pipe(image("item-" + i, 1, TROUSER));
      }
      assertThat(fixture.classified.isEmpty()).as("3 of 4 images: still buffered").isTrue();

      fixture.pipe(image("item-3", 1, TROUSER));

      assertThat(keys(fixture)).containsExactly("item-0", "item-1", "item-2", "item-3");
      assertThat(fixture.batchSizes()).containsExactly(4);
    }
  }

  @Test
  void classifiesAPartialBatchOnceItsOldestImageHasWaitedTheMaxWait() {
    try (TopologyFixture fixture = new TopologyFixture(64, Duration.ofMillis(20))) {
      fixture.pipe(image("a", 1, null));
      fixture.pipe(image("b", 2, null));
      fixture.driver.advanceWallClockTime(Duration.ofMillis(5));
      assertThat(fixture.classified.isEmpty()).as("waited 5 of 20 ms").isTrue();

      fixture.driver.advanceWallClockTime(Duration.ofMillis(20));

      assertThat(keys(fixture)).containsExactly("a", "b");
      assertThat(fixture.batchSizes()).containsExactly(2);
    }
  }

  @Test
  void sendsAValueWithABadMagicByteToTheDeadLetterTopicUnchanged() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      byte[] notAvro = "{\"itemId\":\"json?\"}".getBytes(StandardCharsets.UTF_8);
      fixture.input.pipeInput("bad", notAvro);
      fixture.pipe(image("good", 1, null));

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(letter.value()).isEqualTo(notAvro);
      assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("bad");
      assertThat(header(letter.headers(), DeadLetters.EXCEPTION)).contains("MagicByte");
      assertThat(header(letter.headers(), DeadLetters.TOPIC)).isEqualTo(TopologyFixture.INPUT);
      assertThat(header(letter.headers(), DeadLetters.PARTITION)).isEqualTo("0");
      assertThat(header(letter.headers(), DeadLetters.OFFSET)).isEqualTo("0");
      assertThat(Instant.parse(header(letter.headers(), DeadLetters.TIME))).isAfter(Instant.now().minusSeconds(60));
      assertThat(keys(fixture)).as("the stream keeps going").containsExactly("good");
      assertThat(fixture.metrics.deadLetterCount()).isEqualTo(1.0);
    }
  }

  @Test
  void sendsAValueWithAnUnknownSchemaIdToTheDeadLetterTopic() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      byte[] unknownSchema = fixture.bytes(image("x", 1, null)).clone();
      unknownSchema[1] = 0x7f; // schema id 0x7f...: never registered
      fixture.input.pipeInput("x", unknownSchema);

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(letter.value()).isEqualTo(unknownSchema);
      assertThat(header(letter.headers(), DeadLetters.EXCEPTION)).contains("UnknownSchemaId");
      assertThat(fixture.classified.isEmpty()).isTrue();
    }
  }

  @Test
  void sendsAnImageOfTheWrongSizeToTheDeadLetterTopic() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      byte[] small = fixture.bytes(image("small", 1, BAG, "scanner-1", 27, 28));
      fixture.input.pipeInput("small", small);

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(letter.value()).isEqualTo(small);
      assertThat(header(letter.headers(), DeadLetters.EXCEPTION)).isEqualTo(InvalidImageException.class.getName());
      assertThat(header(letter.headers(), DeadLetters.MESSAGE)).isEqualTo("image is 27x28, the model takes 28x28");
      assertThat(fixture.classified.isEmpty()).isTrue();
    }
  }

  @Test
  void sendsOnlyTheImageTheModelFailsOnToTheDeadLetterTopicAndClassifiesTheRestOfItsBatch() {
    try (TopologyFixture fixture = new TopologyFixture(2, LONG_WAIT)) {
      byte[] fine = fixture.bytes(image("fine", 3, null));
      byte[] poison = fixture.bytes(image("poison", FakeClassifier.POISON, null));
      fixture.input.pipeInput("fine", fine);
      fixture.input.pipeInput("poison", poison);
      fixture.pipe(image("after", 4, null));
      fixture.pipe(image("after-2", 4, null));

      var letters = fixture.deadLetters.readRecordsToList();
      assertThat(letters).extracting(TestRecord::value).containsExactly(poison);
      TestRecord<byte[], byte[]> second = letters.get(0);
      assertThat(new String(second.key(), StandardCharsets.UTF_8)).isEqualTo("poison");
      assertThat(header(second.headers(), DeadLetters.EXCEPTION)).isEqualTo(IllegalStateException.class.getName());
      assertThat(header(second.headers(), DeadLetters.MESSAGE)).isEqualTo("model failure on a poison image");
      assertThat(header(second.headers(), DeadLetters.OFFSET)).isEqualTo("1");
      assertThat(header(second.headers(), DeadLetters.TIME)).isNotBlank();
      assertThat(header(second.headers(), DeadLetters.STACKTRACE)).contains("FakeClassifier.classify");
      assertThat(keys(fixture)).containsExactly("fine", "after", "after-2");
      assertThat(fixture.metrics.deadLetterCount()).isEqualTo(1.0);
    }
  }

  @Test
  void classifiedItemCarriesTheVerdictTopThreeAndTheInputFields() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      fixture.driver.advanceWallClockTime(Duration.ofSeconds(7));
      fixture.pipe(image("item-9", 2, DRESS));

      TestRecord<String, ClassifiedItem> record = fixture.classified.readRecord();
      ClassifiedItem item = record.value();
      assertThat(record.key()).isEqualTo("item-9");
      assertThat(item.getItemId()).isEqualTo("item-9");
      assertThat(item.getScannerId()).isEqualTo("scanner-1");
      assertThat(item.getWarehouseId()).isEqualTo("warehouse-1");
      assertThat(item.getCaptureTime()).isEqualTo(TestImages.CAPTURED);
      assertThat(item.getPredictedLabel()).isEqualTo(PULLOVER);
      assertThat(item.getConfidence()).isEqualTo(0.7f);
      assertThat(item.getTopK()).extracting(LabelScore::getLabel).containsExactly(PULLOVER, DRESS, T_SHIRT_TOP);
      assertThat(item.getTopK().get(1).getProbability()).isEqualTo(0.2f);
      assertThat(item.getModelVersion()).isEqualTo(FakeClassifier.VERSION);
      assertThat(item.getClassifiedTime()).isEqualTo(TopologyFixture.START.plusSeconds(7));
      assertThat(item.getTrueLabel()).isEqualTo(DRESS);
      assertThat(item.getCorrect()).isFalse();
    }
  }

  @Test
  void cumulativeFiguresCountAccuracyPerScopeAndPrecisionAndRecallPerClass() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      fixture.pipe(image("1", 1, TROUSER, "s1", 28, 28));  // TROUSER, correct
      fixture.pipe(image("2", 1, TROUSER, "s1", 28, 28));  // TROUSER, correct
      fixture.pipe(image("3", 1, PULLOVER, "s2", 28, 28)); // TROUSER predicted, PULLOVER true
      fixture.pipe(image("4", 2, null, "s2", 28, 28));     // PULLOVER predicted, unlabelled

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      AccuracyAggregate overall = latest.get("OVERALL:all");
      assertThat(overall.getScope()).isEqualTo(AggregateScope.OVERALL);
      assertThat(overall.getKey()).isEqualTo("all");
      assertThat(overall.getWindowStart()).isNull();
      assertThat(overall.getSeen()).isEqualTo(4);
      assertThat(overall.getLabelled()).isEqualTo(3);
      assertThat(overall.getCorrect()).isEqualTo(2);
      assertThat(overall.getAccuracy()).isCloseTo(2.0 / 3, within(1e-12));
      assertThat(overall.getMeanConfidence()).isCloseTo(0.7, within(1e-6));

      AccuracyAggregate trouser = latest.get("CLASS:TROUSER");
      assertThat(trouser.getSeen()).as("predicted TROUSER").isEqualTo(3);
      assertThat(trouser.getPredictedLabelled()).isEqualTo(3);
      assertThat(trouser.getLabelled()).as("truly TROUSER").isEqualTo(2);
      assertThat(trouser.getCorrect()).isEqualTo(2);
      assertThat(trouser.getPrecision()).isCloseTo(2.0 / 3, within(1e-12));
      assertThat(trouser.getRecall()).isEqualTo(1.0);

      AccuracyAggregate pullover = latest.get("CLASS:PULLOVER");
      assertThat(pullover.getSeen()).isEqualTo(1);
      assertThat(pullover.getPredictedLabelled()).isZero();
      assertThat(pullover.getLabelled()).isEqualTo(1);
      assertThat(pullover.getCorrect()).isZero();
      assertThat(pullover.getPrecision()).isNull();
      assertThat(pullover.getRecall()).isEqualTo(0.0);

      AccuracyAggregate scanner2 = latest.get("SCANNER:s2");
      assertThat(scanner2.getSeen()).isEqualTo(2);
      assertThat(scanner2.getLabelled()).isEqualTo(1);
      assertThat(scanner2.getAccuracy()).isEqualTo(0.0);
      assertThat(latest.get("WAREHOUSE:warehouse-1").getSeen()).isEqualTo(4);
      assertThat(overall.getModelVersion()).isEqualTo(FakeClassifier.VERSION);
    }
  }

  @Test
  void windowedFiguresCountEachMinuteOfCaptureTimeSeparately() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      Instant minute = Instant.parse("2026-11-29T10:00:00Z");
      fixture.driver.advanceWallClockTime(Duration.ofMinutes(2)); // the classifier's clock after the captures
      fixture.pipe(captured(image("1", 9, ANKLE_BOOT), minute.plusSeconds(10)));
      fixture.pipe(captured(image("2", 9, BAG), minute.plusSeconds(50)));
      fixture.pipe(captured(image("3", 9, ANKLE_BOOT), minute.plusSeconds(70)));

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      AccuracyAggregate first = latest.get("OVERALL:all@" + minute.toEpochMilli());
      AccuracyAggregate second = latest.get("OVERALL:all@" + minute.plusSeconds(60).toEpochMilli());
      assertThat(first.getWindowStart()).isEqualTo(minute);
      assertThat(first.getWindowEnd()).isEqualTo(minute.plusSeconds(60));
      assertThat(first.getLabelled()).isEqualTo(2);
      assertThat(first.getCorrect()).isEqualTo(1);
      assertThat(second.getLabelled()).isEqualTo(1);
      assertThat(second.getCorrect()).isEqualTo(1);
      assertThat(latest.get("OVERALL:all").getLabelled()).as("cumulative").isEqualTo(3);
    }
  }

  @Test
  void oneRecordCapturedFiftyMinutesAheadDoesNotCloseTheWindowsOfTheOthers() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      Instant now = TopologyFixture.START; // the classifier's (test driver's) clock
      Instant ahead = now.plus(Duration.ofMinutes(50));
      fixture.pipe(captured(image("ahead", 9, ANKLE_BOOT), ahead), ahead);
      fixture.pipe(captured(image("on-time", 9, ANKLE_BOOT), now.plusSeconds(10)), now.plusSeconds(10));

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      AccuracyAggregate current = latest.get("OVERALL:all@" + now.toEpochMilli());
      assertThat(current).as("the current window is still open after the record from the future").isNotNull();
      assertThat(current.getLabelled()).as("both, the one from the future at the classifier's clock").isEqualTo(2);
      assertThat(latest).as("no window 50 minutes ahead").doesNotContainKey("OVERALL:all@" + ahead.toEpochMilli());
    }
  }

  @Test
  void aFullBatchIsCountedAsOnePartialFigurePerScopeNotOneRecordPerItemAndScope() {
    try (TopologyFixture fixture = new TopologyFixture(64, LONG_WAIT)) {
      for (int i = 0; i < 64; i++) {
        fixture.pipe(image("item-" + i, i % 3, FashionClass.values()[i % 3], "s" + (i % 4), 28, 28));
      }

      var repartition = fixture.driver.createOutputTopic(
          fixture.applicationId + "-accuracy-partials-repartition", new StringDeserializer(),
          new ByteArrayDeserializer());
      // OVERALL, 4 scanners, 1 warehouse, 1 model version and 3 predicted classes (every prediction right)
      assertThat(repartition.readKeyValuesToList()).hasSize(10);
      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      assertThat(latest.get("OVERALL:all").getSeen()).isEqualTo(64);
      assertThat(latest.get("OVERALL:all").getCorrect()).isEqualTo(64);
      assertThat(latest.get("SCANNER:s1").getSeen()).isEqualTo(16);
      assertThat(latest.get("CLASS:TROUSER").getLabelled()).isEqualTo(21);
    }
  }

  @Test
  void windowSizeAndGraceAreSettings() {
    Map<String, String> tenSecondsNoGrace = Map.of(
        ClassifierConfig.AGGREGATES_WINDOW_MS, "10000", ClassifierConfig.AGGREGATES_GRACE_MS, "0");
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT, tenSecondsNoGrace)) {
      Instant start = Instant.parse("2026-11-29T10:00:00Z");
      fixture.pipe(captured(image("1", 9, ANKLE_BOOT), start.plusSeconds(3)));
      fixture.pipe(captured(image("2", 9, ANKLE_BOOT), start.plusSeconds(12)));
      fixture.pipe(captured(image("late", 9, ANKLE_BOOT), start.plusSeconds(5)));

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      AccuracyAggregate first = latest.get("OVERALL:all@" + start.toEpochMilli());
      assertThat(first.getWindowEnd()).isEqualTo(start.plusSeconds(10));
      assertThat(first.getLabelled()).as("the late item missed its closed window").isEqualTo(1);
      assertThat(latest.get("OVERALL:all@" + start.plusSeconds(10).toEpochMilli()).getLabelled()).isEqualTo(1);
      assertThat(latest.get("OVERALL:all").getLabelled()).as("cumulative counts it").isEqualTo(3);
    }
  }

  @Test
  void windowsFollowCaptureTimeNotRecordTime() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      Instant captured = TopologyFixture.START.minusSeconds(90);
      fixture.pipe(captured(image("1", 9, ANKLE_BOOT), captured), TopologyFixture.START);

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      assertThat(latest).containsKey("OVERALL:all@" + TopologyFixture.START.minusSeconds(120).toEpochMilli())
          .doesNotContainKey("OVERALL:all@" + TopologyFixture.START.toEpochMilli());
    }
  }

  @Test
  void figuresAreStampedWithTheClassifiersClockSoTopicRetentionCountsFromTheirLastUpdate() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      Instant clock = TopologyFixture.START.plus(Duration.ofDays(3));
      fixture.driver.advanceWallClockTime(Duration.ofDays(3));
      Instant captured = clock.minusSeconds(20);
      fixture.pipe(captured(image("1", 9, ANKLE_BOOT), captured), TopologyFixture.START);

      var figures = fixture.aggregates.readRecordsToList();
      assertThat(figures).extracting(TestRecord::key)
          .contains("OVERALL:all", "OVERALL:all@" + clock.minusSeconds(60).toEpochMilli());
      assertThat(figures).extracting(TestRecord::getRecordTime).containsOnly(clock);
    }
  }

  @Test
  void scannerIdsBeyondTheBoundAreCountedUnderOtherAndInAMetric() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT, Map.of(),
        settings -> settings.withAggregateBounds(Duration.ofMinutes(1), 2))) {
      for (String scanner : new String[] {"s1", "s2", "s3", "s4", "s1"}) {
        fixture.pipe(image("item-" + scanner, 1, TROUSER, scanner, 28, 28));
      }

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      assertThat(latest.get("SCANNER:s1").getSeen()).isEqualTo(2);
      assertThat(latest.get("SCANNER:s2").getSeen()).isEqualTo(1);
      assertThat(latest).doesNotContainKeys("SCANNER:s3", "SCANNER:s4");
      AccuracyAggregate other = latest.get("SCANNER:(other)");
      assertThat(other.getScope()).isEqualTo(AggregateScope.SCANNER);
      assertThat(other.getKey()).isEqualTo("(other)");
      assertThat(other.getSeen()).isEqualTo(2);
      assertThat(fixture.metrics.registry().get("fashion.aggregates.overflow").tag("scope", "scanner").counter()
          .count()).isEqualTo(2);
      assertThat(latest.get("WAREHOUSE:warehouse-1").getSeen()).as("the other scope's own bound").isEqualTo(5);

      // the decisions are kept in a changelogged store, where a restart or another instance finds them
      var admitted = fixture.driver.<String, Long>getKeyValueStore(ClassifierTopology.ADMITTED_STORE);
      assertThat(admitted.get("SCANNER:s1")).isEqualTo(1L);
      assertThat(admitted.get("SCANNER:s2")).isEqualTo(2L);
      assertThat(admitted.get("SCANNER:s3")).as("refused ids are not remembered: the store stays bounded").isNull();
      assertThat(fixture.driver.producedTopicNames()).contains(
          fixture.applicationId + "-" + ClassifierTopology.ADMITTED_STORE + "-changelog",
          fixture.applicationId + "-" + ClassifierTopology.ADMISSION_TOPIC + "-repartition");
    }
  }

  @Test
  void aScannerIdThatLooksLikeAWindowKeyDoesNotCollideWithOne() {
    try (TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT)) {
      long windowStart = TopologyFixture.START.toEpochMilli();
      fixture.pipe(image("plain", 1, TROUSER, "s", 28, 28));
      fixture.pipe(image("tricky", 1, TROUSER, "s@" + windowStart, 28, 28));

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      AccuracyAggregate plainWindow = latest.get("SCANNER:s@" + windowStart);
      assertThat(plainWindow.getWindowStart()).isEqualTo(TopologyFixture.START);
      assertThat(plainWindow.getSeen()).as("scanner s only").isEqualTo(1);
      AccuracyAggregate tricky = latest.get("SCANNER:s%40" + windowStart);
      assertThat(tricky.getWindowStart()).isNull();
      assertThat(tricky.getKey()).as("the figure carries the id as sent").isEqualTo("s@" + windowStart);
      assertThat(tricky.getSeen()).isEqualTo(1);
    }
  }

  @Test
  void eachTaskTakesItsOwnClassifierAndClosesIt() {
    TopologyFixture fixture = new TopologyFixture(1, LONG_WAIT);
    try {
      fixture.pipe(image("a", 1, null));
      assertThat(fixture.classifiers).hasSize(1);
    } finally {
      fixture.close();
    }
    assertThat(fixture.classifiers.get(0).closed).isTrue();
  }

  private static java.util.List<String> keys(TopologyFixture fixture) {
    return fixture.classified.readRecordsToList().stream().map(TestRecord::key).toList();
  }
}
