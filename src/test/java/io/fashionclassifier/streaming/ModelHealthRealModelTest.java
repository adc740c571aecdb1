package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.ModelHealth;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health figures of a real trained bundle ({@link SmallModel#wholeSplit}, calibrated by the trainer on its
 * validation split) on the real Fashion-MNIST test images: clean, darkened and inverted, each from its own scanner, through
 * the health topology with the default settings.
 */
class ModelHealthRealModelTest {

  private static final Logger log = LoggerFactory.getLogger(ModelHealthRealModelTest.class);
  private static final int PER_WINDOW = 200;
  private static final int BROKEN_IMAGES = 3_000;

  private static Calibration calibration;
  private static List<ModelHealth> records;
  private static double measuredClean;
  private static double measuredDark;
  private static double measuredInverted;

  @BeforeAll
  static void classifyTheTestSplit() {
    LabelledImages test = SmallModel.data().test();
    List<List<ClassifiedItem>> windows = new ArrayList<>();
    try (ModelBundle bundle = ModelBundle.load(SmallModel.wholeSplit());
        BatchClassifier classifier = bundle.newClassifier()) {
      calibration = bundle.calibration().orElseThrow();
      measuredClean = classify(classifier, test, test.size(), "clean", p -> p, windows);
      measuredDark = classify(classifier, test, BROKEN_IMAGES, "dark", p -> p / 4, windows);
      measuredInverted = classify(classifier, test, BROKEN_IMAGES, "inverted", p -> 255 - p, windows);
    }
    try (HealthFixture health = new HealthFixture(calibration, Map.of())) {
      for (List<ClassifiedItem> window : windows) {
        window.forEach(health::pipe);
      }
      health.closeThrough(windows.size());
      records = health.records().stream().map(record -> record.value).toList();
    }
  }

  @Test
  void theEstimatedAccuracyOnCleanImagesIsWithinAPointOfTheMeasuredOne() {
    double estimated = estimated("clean");
    log.info("clean test images: estimated accuracy {} against {} measured (temperature {})", estimated,
        measuredClean, calibration.temperature());
    assertThat(estimated).isCloseTo(measuredClean, within(0.01));
  }

  @Test
  void cleanImagesRaiseNoAlarm() {
    assertThat(windows("clean")).hasSize(50);
    assertThat(changes("clean")).isEmpty();
  }

  @Test
  void darkImagesRaiseADriftAlarm() {
    log.info("dark images: estimated accuracy {} against {} measured; alarms {}", estimated("dark"), measuredDark,
        changes("dark").stream().map(ModelHealth::getSignal).toList());
    assertThat(changes("dark")).extracting(ModelHealth::getKind).contains(HealthKind.ALARM);
  }

  @Test
  void invertedImagesRaiseADriftAlarm() {
    log.info("inverted images: estimated accuracy {} against {} measured; alarms {}", estimated("inverted"),
        measuredInverted, changes("inverted").stream().map(ModelHealth::getSignal).toList());
    assertThat(changes("inverted")).extracting(ModelHealth::getKind).contains(HealthKind.ALARM);
  }

  @Test
  void aBundleWithoutCalibrationStillLoadsAndServes(@TempDir Path copy) throws Exception {
    SmallModel.copy(SmallModel.bundle(), copy);
    Files.delete(copy.resolve(Calibration.FILE));
    try (ModelBundle bundle = ModelBundle.load(copy); BatchClassifier classifier = bundle.newClassifier()) {
      assertThat(bundle.calibration()).isEmpty();
      assertThat(classifier.classify(SmallModel.data().test().images(0, 4))).hasSize(4);
    }
  }

  /**
   * Classifies the first {@code count} test images with {@code pixel} applied, as scanner {@code scanner}, and
   * adds them {@value #PER_WINDOW} to a window (window i of every scanner together); returns their accuracy.
   */
  private static double classify(BatchClassifier classifier, LabelledImages test, int count, String scanner,
      IntUnaryOperator pixel, List<List<ClassifiedItem>> windows) {
    int correct = 0;
    for (int from = 0; from < count; from += PER_WINDOW) {
      int window = from / PER_WINDOW;
      while (windows.size() <= window) {
        windows.add(new ArrayList<>());
      }
      List<byte[]> images = new ArrayList<>();
      for (int i = from; i < from + PER_WINDOW; i++) {
        byte[] image = test.image(i).clone();
        for (int p = 0; p < image.length; p++) {
          image[p] = (byte) pixel.applyAsInt(image[p] & 0xff);
        }
        images.add(image);
      }
      List<Prediction> predictions = classifier.classify(images);
      for (int i = 0; i < PER_WINDOW; i++) {
        int label = test.label(from + i);
        correct += predictions.get(i).label() == label ? 1 : 0;
        long classified = HealthFixture.T0.toEpochMilli() + window * HealthFixture.WINDOW + 1_000 + i * 100L;
        InventoryImage image = InventoryImage.newBuilder()
            .setItemId(scanner + "-" + (from + i))
            .setScannerId(scanner)
            .setWarehouseId("warehouse-1")
            .setCaptureTime(java.time.Instant.ofEpochMilli(classified - 500))
            .setWidth(28)
            .setHeight(28)
            .setPixels(ByteBuffer.wrap(images.get(i)))
            .setLabel(FashionClass.values()[label])
            .build();
        windows.get(window).add(BatchVerdicts.classifiedItem(image, predictions.get(i), HealthFixture.VERSION,
            classified));
      }
    }
    return (double) correct / count;
  }

  private static List<ModelHealth> windows(String scanner) {
    return records.stream().filter(r -> r.getKind() == HealthKind.WINDOW && r.getScope().equals("SCANNER")
        && r.getKey().equals(scanner)).toList();
  }

  private static List<ModelHealth> changes(String scanner) {
    return records.stream().filter(r -> r.getKind() != HealthKind.WINDOW && r.getScope().equals("SCANNER")
        && r.getKey().equals(scanner)).toList();
  }

  /** The estimated accuracy over all of the scanner's windows (each weighted by its count). */
  private static double estimated(String scanner) {
    double sum = 0;
    long count = 0;
    for (ModelHealth window : windows(scanner)) {
      sum += window.getEstimatedAccuracy() * window.getCount();
      count += window.getCount();
    }
    return sum / count;
  }
}
