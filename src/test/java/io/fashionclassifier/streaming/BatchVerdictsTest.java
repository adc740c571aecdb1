package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.ShadowVerdict;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** What a classified batch sends, from the entries and the models' results alone: no context, no model. */
class BatchVerdictsTest {

  private static final long NOW = Instant.parse("2026-12-07T09:00:00Z").toEpochMilli();
  private static final int LIMIT = 1024 * 1024;

  private static BufferedRecord record(String id, long offset) {
    return new BufferedRecord(id.getBytes(StandardCharsets.UTF_8), ("value of " + id).getBytes(StandardCharsets.UTF_8),
        new RecordHeaders(), "inventory-images", 3, offset, 1_000 + offset);
  }

  private static BatchVerdicts.Entry decoded(String id, long offset, int firstPixel, FashionClass label) {
    InventoryImage image = TestImages.image(id, firstPixel, label);
    return BatchVerdicts.Entry.decoded(record(id, offset),
        new ImageDecoder.Decoded(image, InventoryImages.validatedPixels(image)));
  }

  private static BatchVerdicts.Entry invalid(String id, long offset) {
    return BatchVerdicts.Entry.invalid(record(id, offset), new InvalidImageException("not an image"));
  }

  private static Prediction predicting(int label) {
    return new Prediction(FakeClassifier.probabilities(label));
  }

  private static BatchInference.Result result(String version, Object... predictionsOrFailures) {
    Prediction[] predictions = new Prediction[predictionsOrFailures.length];
    RuntimeException[] failures = new RuntimeException[predictionsOrFailures.length];
    for (int i = 0; i < predictionsOrFailures.length; i++) {
      if (predictionsOrFailures[i] instanceof Prediction prediction) {
        predictions[i] = prediction;
      } else {
        failures[i] = (RuntimeException) predictionsOrFailures[i];
      }
    }
    return new BatchInference.Result(version, predictions, failures, null, null);
  }

  private static List<String> kinds(BatchVerdicts.Verdicts verdicts) {
    List<String> kinds = new ArrayList<>();
    for (Record<String, Outcome> output : verdicts.outputs()) {
      kinds.add(output.value() instanceof Outcome.Classified classified
          ? "verdict " + classified.item().getItemId()
          : "dead letter " + new String(((Outcome.DeadLetter) output.value()).key(), StandardCharsets.UTF_8));
    }
    return kinds;
  }

  @Test
  void recordsThatDidNotDecodeAreDeadLetteredFirstThenEachImageInOrder() {
    List<BatchVerdicts.Entry> entries = List.of(decoded("a", 0, 1, null), invalid("b", 1), decoded("c", 2, 2, null));

    BatchVerdicts.Verdicts verdicts = BatchVerdicts.of(entries,
        result("v1", predicting(1), new IllegalStateException("the model failed")), NOW, LIMIT);

    assertThat(kinds(verdicts)).containsExactly("dead letter b", "verdict a", "dead letter c");
    assertThat(verdicts.deadLetters())
        .containsEntry(ClassifierMetrics.Reason.PROCESSING, 1)
        .containsEntry(ClassifierMetrics.Reason.PREDICTION, 1)
        .hasSize(2);
    assertThat(verdicts.items()).extracting(item -> item.getItemId().toString()).containsExactly("a");
  }

  @Test
  void aVerdictCarriesTheModelsPredictionVersionAndTheClassificationTime() {
    BatchVerdicts.Verdicts verdicts = BatchVerdicts.of(List.of(decoded("a", 7, 3, FashionClass.DRESS)),
        result("v9", predicting(3)), NOW, LIMIT);

    Record<String, Outcome> output = verdicts.outputs().get(0);
    ClassifiedItem item = ((Outcome.Classified) output.value()).item();
    assertThat(output.key()).isEqualTo("a");
    assertThat(output.timestamp()).as("the input record's timestamp").isEqualTo(1_007L);
    assertThat(item.getPredictedLabel()).isEqualTo(FashionClass.DRESS);
    assertThat(item.getCorrect()).isTrue();
    assertThat(item.getModelVersion()).isEqualTo("v9");
    assertThat(item.getClassifiedTime()).isEqualTo(Instant.ofEpochMilli(NOW));
    assertThat(item.getTopK()).hasSize(BatchVerdicts.TOP_K);
  }

  @Test
  void aDeadLetterSaysWhereTheRecordCameFromAndWhen() {
    BatchVerdicts.Verdicts verdicts = BatchVerdicts.of(List.of(invalid("b", 42)), null, NOW, LIMIT);

    Record<String, Outcome> letter = verdicts.outputs().get(0);
    assertThat(header(letter, DeadLetters.TOPIC)).isEqualTo("inventory-images");
    assertThat(header(letter, DeadLetters.PARTITION)).isEqualTo("3");
    assertThat(header(letter, DeadLetters.OFFSET)).isEqualTo("42");
    assertThat(header(letter, DeadLetters.EXCEPTION)).isEqualTo(InvalidImageException.class.getName());
    assertThat(header(letter, DeadLetters.TIME)).isEqualTo(Instant.ofEpochMilli(NOW).toString());
    assertThat(((Outcome.DeadLetter) letter.value()).value()).isEqualTo("value of b".getBytes(StandardCharsets.UTF_8));
    assertThat(verdicts.items()).isEmpty();
  }

  @Test
  void aDeadLetterCutToTheLimitIsCountedAsTruncated() {
    BatchVerdicts.Verdicts verdicts = BatchVerdicts.of(List.of(invalid("b", 0)), null, NOW, 64);

    assertThat(verdicts.truncated()).isEqualTo(1);
    assertThat(verdicts.outputs().get(0).headers().lastHeader(DeadLetters.TRUNCATED)).isNotNull();
  }

  @Test
  void theShadowsPredictionsFollowTheItemsTheyBelongTo() {
    List<BatchVerdicts.Entry> entries = List.of(decoded("a", 0, 1, null), decoded("b", 1, 2, null),
        decoded("c", 2, 3, null));
    Prediction shadowOfA = predicting(5);
    Prediction shadowOfC = predicting(6);
    BatchInference.Result result = new BatchInference.Result("v1",
        new Prediction[] {predicting(1), null, predicting(3)},
        new RuntimeException[] {null, new IllegalStateException("failed on b"), null},
        List.of(shadowOfA, predicting(7), shadowOfC), "v2");

    BatchVerdicts.Verdicts verdicts = BatchVerdicts.of(entries, result, NOW, LIMIT);

    assertThat(verdicts.items()).extracting(item -> item.getItemId().toString()).containsExactly("a", "c");
    assertThat(verdicts.shadowOfItems()).containsExactly(shadowOfA, shadowOfC);
  }

  @Test
  void eachVerdictCarriesTheShadowsPredictionOfItsOwnItem() {
    List<BatchVerdicts.Entry> entries = List.of(decoded("a", 0, 1, null), decoded("b", 1, 2, null),
        decoded("c", 2, 3, null));
    BatchInference.Result result = new BatchInference.Result("v1",
        new Prediction[] {predicting(1), null, predicting(3)},
        new RuntimeException[] {null, new IllegalStateException("failed on b"), null},
        List.of(predicting(5), predicting(7), predicting(6)), "v2");

    BatchVerdicts.Verdicts verdicts = BatchVerdicts.of(entries, result, NOW, LIMIT);

    assertThat(verdicts.items()).extracting(ClassifiedItem::getShadow).containsExactly(
        new ShadowVerdict("v2", FashionClass.SANDAL, 0.7f), new ShadowVerdict("v2", FashionClass.SHIRT, 0.7f));
  }

  @Test
  void withoutAShadowTheVerdictsCarryNone() {
    BatchVerdicts.Verdicts verdicts = BatchVerdicts.of(List.of(decoded("a", 0, 1, null)),
        result("v1", predicting(1)), NOW, LIMIT);

    assertThat(verdicts.items()).extracting(ClassifiedItem::getShadow).containsExactly((ShadowVerdict) null);
  }

  private static String header(Record<String, Outcome> record, String key) {
    return new String(record.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
  }
}
