package io.fashionclassifier.streaming;

import static io.fashionclassifier.schema.ReviewReason.LOW_CONFIDENCE;
import static io.fashionclassifier.schema.ReviewReason.LOW_MARGIN;
import static io.fashionclassifier.schema.ReviewReason.RANDOM_SAMPLE;
import static io.fashionclassifier.streaming.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ReviewRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** The review queue in the production topology: which verdicts become review requests, and the budget. */
class ReviewQueueTopologyTest {

  /** Nothing sampled; the default thresholds (confidence below 0.5, margin below 0.1). */
  private static final Map<String, String> UNSURE_ONLY = Map.of(
      ClassifierConfig.REVIEW_SAMPLE_RATE, "0",
      ClassifierConfig.REVIEW_CONFIDENCE_BELOW, "0.5",
      ClassifierConfig.REVIEW_MARGIN_BELOW, "0.1");

  @Test
  void unsureVerdictsAreSentWithTheirReasonsAndSureOnesAreNot() {
    try (QualityFixture fixture = new QualityFixture(UNSURE_ONLY, ScoredClassifier::new)) {
      fixture.pipe(scored("sure", 90, 5));
      fixture.pipe(scored("unconfident", 40, 20));
      fixture.pipe(scored("close", 52, 45));
      fixture.pipe(scored("both", 35, 33));

      Map<String, ReviewRequest> requests = fixture.reviews.readKeyValuesToMap();
      assertThat(requests).containsOnlyKeys("unconfident", "close", "both");
      assertThat(requests.get("unconfident").getReasons()).containsExactly(LOW_CONFIDENCE);
      assertThat(requests.get("close").getReasons()).containsExactly(LOW_MARGIN);
      assertThat(requests.get("both").getReasons()).containsExactly(LOW_CONFIDENCE, LOW_MARGIN);
      assertThat(requests.get("close").getMargin()).isCloseTo(0.07f, org.assertj.core.data.Offset.offset(1e-6f));
    }
  }

  @Test
  void aRequestCarriesTheVerdictTheTopThreeAndTheOriginalPixels() {
    try (QualityFixture fixture = new QualityFixture(UNSURE_ONLY, ScoredClassifier::new)) {
      InventoryImage image = scored("unsure", 40, 30);
      fixture.pipe(image);

      TestRecord<String, ReviewRequest> record = fixture.reviews.readRecord();
      ReviewRequest request = record.value();
      assertThat(record.key()).isEqualTo("unsure");
      assertThat(request.getItemId()).isEqualTo("unsure");
      assertThat(request.getScannerId()).isEqualTo("scanner-1");
      assertThat(request.getWarehouseId()).isEqualTo("warehouse-1");
      assertThat(request.getCaptureTime()).isEqualTo(TestImages.CAPTURED);
      assertThat(request.getClassifiedTime()).isEqualTo(QualityFixture.START);
      assertThat(request.getModelVersion()).isEqualTo(ScoredClassifier.VERSION);
      assertThat(request.getPredictedLabel()).isEqualTo(FashionClass.ANKLE_BOOT);
      assertThat(request.getConfidence()).isEqualTo(0.4f);
      assertThat(request.getTopK()).extracting(LabelScore::getLabel)
          .containsExactly(FashionClass.ANKLE_BOOT, FashionClass.T_SHIRT_TOP, FashionClass.TROUSER);
      assertThat(request.getTopK()).extracting(LabelScore::getProbability).containsExactly(0.4f, 0.3f, (1 - 0.4f - 0.3f) / 8);
      assertThat(request.getWidth()).isEqualTo(28);
      assertThat(request.getHeight()).isEqualTo(28);
      byte[] pixels = new byte[request.getPixels().remaining()];
      request.getPixels().get(pixels);
      assertThat(pixels).hasSize(784).isEqualTo(bytes(image.getPixels()));
    }
  }

  @Test
  void theRandomSampleDrawsTheSameItemsOnEveryRunAndOthersWithAnotherSeed() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      ids.add("item-" + i);
    }
    Set<String> first = sampled(ids, 7);
    Set<String> replay = sampled(ids, 7);
    Set<String> otherSeed = sampled(ids, 8);

    assertThat(replay).isEqualTo(first);
    assertThat(otherSeed).isNotEqualTo(first);
    // 400 draws at 0.25: 100 expected, a standard deviation of about 9
    assertThat(first.size()).isBetween(64, 136);
    assertThat(otherSeed.size()).isBetween(64, 136);
  }

  private static Set<String> sampled(List<String> ids, long seed) {
    Map<String, String> settings = new HashMap<>(Map.of(
        ClassifierConfig.REVIEW_SAMPLE_RATE, "0.25",
        ClassifierConfig.REVIEW_SAMPLE_SEED, Long.toString(seed),
        ClassifierConfig.REVIEW_CONFIDENCE_BELOW, "0",
        ClassifierConfig.REVIEW_MARGIN_BELOW, "0",
        ClassifierConfig.REVIEW_BUDGET_PER_HOUR, "0"));
    try (QualityFixture fixture = new QualityFixture(settings)) {
      ids.forEach(id -> fixture.pipe(image(id, 9, null)));
      List<ReviewRequest> requests = fixture.reviews.readValuesToList();
      assertThat(requests).allSatisfy(request -> assertThat(request.getReasons()).containsExactly(RANDOM_SAMPLE));
      return requests.stream().map(ReviewRequest::getItemId).collect(Collectors.toSet());
    }
  }

  @Test
  void eachScannerSendsAtMostItsBudgetPerHourAndTheRestIsCounted() {
    Map<String, String> settings = Map.of(
        ClassifierConfig.REVIEW_SAMPLE_RATE, "0",
        ClassifierConfig.REVIEW_CONFIDENCE_BELOW, "1", // every verdict is unsure
        ClassifierConfig.REVIEW_BUDGET_PER_HOUR, "2");
    try (QualityFixture fixture = new QualityFixture(settings)) {
      for (int i = 0; i < 5; i++) {
        fixture.pipe(image("one-" + i, 9, null, "scanner-1", 28, 28));
      }
      fixture.pipe(image("two-0", 9, null, "scanner-2", 28, 28));

      assertThat(fixture.reviews.readValuesToList()).extracting(ReviewRequest::getItemId)
          .containsExactly("one-0", "one-1", "two-0");
      assertThat(fixture.counter("fashion.review.requests", "outcome", "selected")).isEqualTo(6);
      assertThat(fixture.counter("fashion.review.requests", "outcome", "sent")).isEqualTo(3);
      assertThat(fixture.counter("fashion.review.requests", "outcome", "over_budget")).isEqualTo(3);

      fixture.driver.advanceWallClockTime(Duration.ofHours(1));
      fixture.pipe(image("one-5", 9, null, "scanner-1", 28, 28));
      assertThat(fixture.reviews.readValuesToList()).extracting(ReviewRequest::getItemId)
          .as("a new hour, a new budget").containsExactly("one-5");
    }
  }

  @Test
  void theBudgetNeverHoldsBackTheRandomSample() {
    Map<String, String> settings = Map.of(
        ClassifierConfig.REVIEW_SAMPLE_RATE, "1",
        ClassifierConfig.REVIEW_BUDGET_PER_HOUR, "0");
    try (QualityFixture fixture = new QualityFixture(settings)) {
      for (int i = 0; i < 3; i++) {
        fixture.pipe(image("item-" + i, 9, null));
      }

      assertThat(fixture.reviews.readValuesToList()).hasSize(3);
      assertThat(fixture.counter("fashion.review.requests", "outcome", "over_budget")).isZero();
    }
  }

  /** A 28x28 image {@link ScoredClassifier} predicts ANKLE_BOOT for, at {@code top} % with T_SHIRT_TOP at {@code second} %. */
  private static InventoryImage scored(String itemId, int top, int second) {
    InventoryImage image = image(itemId, 9, null);
    byte[] pixels = bytes(image.getPixels());
    pixels[1] = (byte) top;
    pixels[2] = (byte) second;
    for (int i = 3; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 31); // an image, not zeros: the request must carry these very bytes
    }
    return InventoryImage.newBuilder(image).setPixels(ByteBuffer.wrap(pixels)).build();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  /**
   * Predicts label {@code firstPixel % 10} with probability {@code secondPixel} %, the next label with
   * {@code thirdPixel} %, and spreads the rest evenly over the other eight.
   */
  static final class ScoredClassifier implements BatchClassifier {
    static final String VERSION = "scored-1";

    @Override
    public List<Prediction> classify(List<byte[]> images) {
      List<Prediction> predictions = new ArrayList<>(images.size());
      for (byte[] image : images) {
        int label = (image[0] & 0xff) % 10;
        float top = (image[1] & 0xff) / 100f;
        float second = (image[2] & 0xff) / 100f;
        float[] probabilities = new float[10];
        Arrays.fill(probabilities, (1 - top - second) / 8);
        probabilities[label] = top;
        probabilities[(label + 1) % 10] = second;
        predictions.add(new Prediction(probabilities));
      }
      return predictions;
    }

    @Override
    public String modelVersion() {
      return VERSION;
    }

    @Override
    public void close() {}
  }
}
