package io.fashionclassifier.streaming;

import static io.fashionclassifier.schema.FashionClass.ANKLE_BOOT;
import static io.fashionclassifier.schema.FashionClass.BAG;
import static io.fashionclassifier.schema.FashionClass.T_SHIRT_TOP;
import static io.fashionclassifier.streaming.KafkaTestClients.header;
import static io.fashionclassifier.streaming.TestImages.captured;
import static io.fashionclassifier.streaming.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AuditedItem;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The audit join in the production topology: each audited item counted once in the audited figures, whenever its
 * audit comes. FakeClassifier predicts ANKLE_BOOT for first pixel 9.
 */
class AuditJoinTopologyTest {

  private static final Duration RETENTION = Duration.ofHours(1);
  private static final Map<String, String> SETTINGS = Map.of(
      ClassifierConfig.AUDITS_RETENTION_MS, Long.toString(RETENTION.toMillis()),
      ClassifierConfig.REVIEW_SAMPLE_RATE, "0");
  private static final String WINDOW = "@" + QualityFixture.START.toEpochMilli();

  @Test
  void anAuditDaysAfterItsVerdictCountsOnceInTheCumulativeFiguresAndInItsItemsWindow() {
    Duration days = Duration.ofDays(2);
    try (QualityFixture fixture = new QualityFixture(Map.of(
        ClassifierConfig.AUDITS_RETENTION_MS, Long.toString(Duration.ofDays(3).toMillis()),
        ClassifierConfig.REVIEW_SAMPLE_RATE, "0"))) {
      fixture.pipe(image("a", 9, null));
      fixture.driver.advanceWallClockTime(days);
      // stream time moves on by two days: the windows of the first scan would be long closed for scans
      fixture.pipe(captured(image("b", 9, null), QualityFixture.START.plus(days)));

      fixture.audit("a", ANKLE_BOOT, "alice");

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      for (String key : List.of("OVERALL:all", "MODEL:fake-1", "SCANNER:scanner-1", "WAREHOUSE:warehouse-1",
          "CLASS:ANKLE_BOOT", "OVERALL:all" + WINDOW, "SCANNER:scanner-1" + WINDOW, "CLASS:ANKLE_BOOT" + WINDOW)) {
        AccuracyAggregate figure = latest.get(key);
        assertThat(figure.getAudited()).as(key).isEqualTo(1);
        assertThat(figure.getAuditedCorrect()).as(key).isEqualTo(1);
        assertThat(figure.getAuditedPredicted()).as(key).isEqualTo(1);
        assertThat(figure.getAuditedAccuracy()).as(key).isEqualTo(1.0);
        assertThat(figure.getLabelled()).as(key + ": no scan label").isZero();
      }
      assertThat(latest.get("OVERALL:all").getSeen()).isEqualTo(2);
      assertThat(latest.get("OVERALL:all" + WINDOW).getSeen()).as("the audited item's window").isEqualTo(1);
      assertThat(latest.get("OVERALL:all@" + QualityFixture.START.plus(days).toEpochMilli()).getAudited())
          .as("nothing counted in the window of the audit's arrival").isZero();
      assertThat(fixture.counter("fashion.audits", "outcome", "counted")).isEqualTo(1);
    }
  }

  @Test
  void theAuditedItemCarriesTheVerdictAndTheTruth() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      fixture.pipe(image("a", 9, null));
      fixture.audit("a", BAG, "alice");

      TestRecord<String, AuditedItem> record = fixture.audited.readRecord();
      AuditedItem item = record.value();
      assertThat(record.key()).isEqualTo("a");
      assertThat(item.getVerdict().getItemId()).isEqualTo("a");
      assertThat(item.getVerdict().getPredictedLabel()).isEqualTo(ANKLE_BOOT);
      assertThat(item.getVerdict().getModelVersion()).isEqualTo(FakeClassifier.VERSION);
      assertThat(item.getTrueLabel()).isEqualTo(BAG);
      assertThat(item.getCorrect()).isFalse();
      assertThat(item.getAuditor()).isEqualTo("alice");
      assertThat(item.getAuditTime()).isEqualTo(QualityFixture.START);
      assertThat(item.getAudits()).isEqualTo(1);
      assertThat(item.getReplacedLabel()).isNull();
      assertThat(item.getSampled()).isFalse();
      assertThat(fixture.audited.isEmpty()).isTrue();
    }
  }

  @Test
  void anAuditBeforeItsVerdictWaitsAndCountsWhenTheVerdictComes() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      fixture.audit("a", ANKLE_BOOT, "alice");
      fixture.driver.advanceWallClockTime(Duration.ofMinutes(30));
      assertThat(fixture.audited.isEmpty()).as("no verdict yet").isTrue();
      assertThat(fixture.deadLetters.isEmpty()).as("still within the retention").isTrue();

      fixture.pipe(image("a", 9, null));

      assertThat(fixture.audited.readValue().getTrueLabel()).isEqualTo(ANKLE_BOOT);
      AccuracyAggregate overall = fixture.aggregates.readKeyValuesToMap().get("OVERALL:all");
      assertThat(overall.getAudited()).isEqualTo(1);
      assertThat(overall.getAuditedCorrect()).isEqualTo(1);
      assertThat(fixture.counter("fashion.audits", "outcome", "waiting")).isEqualTo(1);
      assertThat(fixture.counter("fashion.audits", "outcome", "early")).isEqualTo(1);
      fixture.driver.advanceWallClockTime(RETENTION.plusMinutes(5));
      assertThat(fixture.deadLetters.isEmpty()).as("the joined audit is no dead letter later").isTrue();
    }
  }

  @Test
  void aSecondAuditReplacesTheFirstWithoutCountingTheItemTwice() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      fixture.pipe(image("a", 9, null));
      fixture.audit("a", ANKLE_BOOT, "alice");
      fixture.audit("a", BAG, "bob");

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      for (String window : List.of("", WINDOW)) {
        AccuracyAggregate overall = latest.get("OVERALL:all" + window);
        assertThat(overall.getAudited()).as("once" + window).isEqualTo(1);
        assertThat(overall.getAuditedCorrect()).as("by the second audit" + window).isZero();
        assertThat(overall.getAuditedAccuracy()).isEqualTo(0.0);
        AccuracyAggregate predicted = latest.get("CLASS:ANKLE_BOOT" + window);
        assertThat(predicted.getAudited()).as("no longer truly an ankle boot").isZero();
        assertThat(predicted.getAuditedCorrect()).isZero();
        assertThat(predicted.getAuditedPredicted()).as("still predicted as one").isEqualTo(1);
        assertThat(predicted.getAuditedPrecision()).isEqualTo(0.0);
        AccuracyAggregate truth = latest.get("CLASS:BAG" + window);
        assertThat(truth.getAudited()).isEqualTo(1);
        assertThat(truth.getAuditedCorrect()).isZero();
        assertThat(truth.getAuditedPredicted()).isZero();
      }
      List<AuditedItem> audited = fixture.audited.readValuesToList();
      assertThat(audited).extracting(AuditedItem::getTrueLabel).containsExactly(ANKLE_BOOT, BAG);
      assertThat(audited.get(1).getAudits()).isEqualTo(2);
      assertThat(audited.get(1).getReplacedLabel()).isEqualTo(ANKLE_BOOT);
      assertThat(audited.get(1).getAuditor()).isEqualTo("bob");
      assertThat(fixture.counter("fashion.audits", "outcome", "replaced")).isEqualTo(1);
    }
  }

  @Test
  void aRepeatedIdenticalAuditChangesNoFigure() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      fixture.pipe(image("a", 9, null));
      fixture.audit("a", ANKLE_BOOT, "alice");
      fixture.aggregates.readKeyValuesToMap();

      fixture.audit("a", ANKLE_BOOT, "alice");

      assertThat(fixture.aggregates.isEmpty()).as("the difference is nothing: no figure changes").isTrue();
      assertThat(fixture.audited.readValuesToList()).extracting(AuditedItem::getAudits).containsExactly(1, 2);
    }
  }

  @Test
  void theScanLabelAndTheAuditCountApart() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      fixture.pipe(image("a", 9, T_SHIRT_TOP)); // the scan says T-shirt: a wrong verdict by the scan label
      fixture.audit("a", ANKLE_BOOT, "alice"); // the auditor says ankle boot: right by the audit

      AccuracyAggregate overall = fixture.aggregates.readKeyValuesToMap().get("OVERALL:all");
      assertThat(overall.getLabelled()).isEqualTo(1);
      assertThat(overall.getCorrect()).isZero();
      assertThat(overall.getAccuracy()).isEqualTo(0.0);
      assertThat(overall.getAudited()).isEqualTo(1);
      assertThat(overall.getAuditedCorrect()).isEqualTo(1);
      assertThat(overall.getAuditedAccuracy()).isEqualTo(1.0);
    }
  }

  @Test
  void anAuditOfAnUnknownItemIsDeadLetteredWithTheReasonOnceTheRetentionIsOver() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      byte[] audit = fixture.auditBytes("ghost", BAG, "alice");
      fixture.audits.pipeInput("ghost", audit);
      fixture.driver.advanceWallClockTime(RETENTION.minusMinutes(2));
      assertThat(fixture.deadLetters.isEmpty()).as("it may still be early").isTrue();

      fixture.driver.advanceWallClockTime(Duration.ofMinutes(4));

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(letter.value()).as("the original bytes").isEqualTo(audit);
      assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("ghost");
      assertThat(header(letter.headers(), DeadLetters.EXCEPTION))
          .isEqualTo(UnmatchedAuditException.class.getName());
      assertThat(header(letter.headers(), DeadLetters.MESSAGE)).contains("ghost", ClassifierConfig.AUDITS_RETENTION_MS);
      assertThat(header(letter.headers(), DeadLetters.TOPIC)).isEqualTo(QualityFixture.AUDITS);
      assertThat(header(letter.headers(), DeadLetters.PARTITION)).isEqualTo("0");
      assertThat(header(letter.headers(), DeadLetters.OFFSET)).isEqualTo("0");
      assertThat(fixture.deadLetters.isEmpty()).as("once").isTrue();
      assertThat(fixture.counter("fashion.audits", "outcome", "unmatched")).isEqualTo(1);
      assertThat(fixture.audited.isEmpty()).isTrue();
      assertThat(fixture.aggregates.isEmpty()).isTrue();
    }
  }

  @Test
  void anAuditAfterItsVerdictExpiredIsNotCountedAndIsDeadLettered() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      fixture.pipe(image("a", 9, null));
      fixture.aggregates.readKeyValuesToMap();
      fixture.driver.advanceWallClockTime(RETENTION.plusSeconds(1));

      fixture.audit("a", ANKLE_BOOT, "alice");
      fixture.driver.advanceWallClockTime(RETENTION.plusMinutes(2));

      assertThat(fixture.audited.isEmpty()).isTrue();
      assertThat(fixture.aggregates.isEmpty()).as("no figure changed").isTrue();
      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(header(letter.headers(), DeadLetters.EXCEPTION))
          .isEqualTo(UnmatchedAuditException.class.getName());
      assertThat(fixture.counter("fashion.audits", "outcome", "unmatched")).isEqualTo(1);
    }
  }

  @Test
  void anAuditThatIsNotAvroIsDeadLetteredAtOnceUnchanged() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      byte[] notAvro = "{\"itemId\":\"a\",\"trueLabel\":\"BAG\"}".getBytes(StandardCharsets.UTF_8);
      fixture.audits.pipeInput("a", notAvro);

      TestRecord<byte[], byte[]> letter = fixture.deadLetters.readRecord();
      assertThat(letter.value()).isEqualTo(notAvro);
      assertThat(header(letter.headers(), DeadLetters.EXCEPTION)).contains("MagicByte");
      assertThat(header(letter.headers(), DeadLetters.TOPIC)).isEqualTo(QualityFixture.AUDITS);
      fixture.pipe(image("b", 9, null));
      fixture.audit("b", ANKLE_BOOT, "alice");
      assertThat(fixture.audited.readValue().getVerdict().getItemId()).as("the join keeps going").isEqualTo("b");
    }
  }

  @Test
  void anAuditOfAnItemTheSampleDrewCountsInTheSampledFiguresToo() {
    try (QualityFixture fixture = new QualityFixture(Map.of(ClassifierConfig.REVIEW_SAMPLE_RATE, "1"))) {
      fixture.pipe(image("a", 9, null));
      fixture.pipe(image("b", 9, null));
      fixture.audit("a", ANKLE_BOOT, "alice");
      fixture.audit("b", BAG, "alice");

      AccuracyAggregate overall = fixture.aggregates.readKeyValuesToMap().get("OVERALL:all");
      assertThat(overall.getSampledAudited()).isEqualTo(2);
      assertThat(overall.getSampledCorrect()).isEqualTo(1);
      assertThat(overall.getSampledAccuracy()).isEqualTo(0.5);
      assertThat(fixture.audited.readValuesToList()).extracting(AuditedItem::getSampled).containsExactly(true, true);
    }
  }

  @Test
  void aScanLaterThanItsWindowsGraceIsStillLeftOutWhileTheWindowsStayOpenForAudits() {
    try (QualityFixture fixture = new QualityFixture(SETTINGS)) {
      fixture.driver.advanceWallClockTime(Duration.ofMinutes(10));
      fixture.pipe(captured(image("now", 9, null), QualityFixture.START.plus(Duration.ofMinutes(10))));
      fixture.aggregates.readKeyValuesToMap();

      fixture.pipe(image("late", 9, null)); // captured ten minutes ago: past the 30 s grace

      Map<String, AccuracyAggregate> latest = fixture.aggregates.readKeyValuesToMap();
      assertThat(latest).doesNotContainKey("OVERALL:all" + WINDOW);
      assertThat(latest.get("OVERALL:all").getSeen()).as("cumulative").isEqualTo(2);
      assertThat(fixture.meters.find("fashion.aggregates.late").counter().count()).isEqualTo(1);
    }
  }
}
