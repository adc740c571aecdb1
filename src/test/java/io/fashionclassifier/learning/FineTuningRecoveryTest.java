package io.fashionclassifier.learning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.promotion.PairedEvidence;
import io.fashionclassifier.promotion.PairedOutcome;
import io.fashionclassifier.promotion.PromotionDecision;
import io.fashionclassifier.promotion.PromotionRule;
import io.fashionclassifier.scanner.ScannerFault;
import io.fashionclassifier.training.BundleTrainer;
import io.fashionclassifier.training.FineTuner;
import io.fashionclassifier.training.TrainingConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training side of the loop offline, with what {@code train --from-audits} trains on (the audited images
 * mixed with the replay, fine-tuned from the active bundle): audits of a scanner whose lamp failed (DARK) teach a
 * small MLP that scanner back without costing it the other images; the same candidate trained on shuffled labels
 * is retired by the promotion rule. The figures it logs are those of docs/continuous-learning.md.
 */
class FineTuningRecoveryTest {

  private static final Logger log = LoggerFactory.getLogger(FineTuningRecoveryTest.class);
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final int AUDITED = 1_000;

  @TempDir static Path dir;
  private static FashionMnist data;
  private static LabelledImages darkEval;
  private static LabelledImages cleanEval;

  @BeforeAll
  static void anActiveModelAndADarkScanner() {
    data = FashionMnist.load(null);
    new BundleTrainer(TrainingConfig.defaults(Architecture.MLP).withEpochs(1).withShowProgress(false), QUIET)
        .train(data, dir.resolve("active"));
    darkEval = dark(data.test().slice(5_000, 10_000));
    cleanEval = data.test().slice(5_000, 10_000);
  }

  private static LabelledImages dark(LabelledImages images) {
    byte[] pixels = new byte[images.pixels().length];
    Random random = new Random(1);
    for (int i = 0; i < images.size(); i++) {
      byte[] image = ScannerFault.DARK.apply(images.image(i), images.columns(), images.rows(), random);
      System.arraycopy(image, 0, pixels, i * image.length, image.length);
    }
    return new LabelledImages(pixels, images.labels().clone(), images.rows(), images.columns());
  }

  private static LabelledImages shuffledLabels(LabelledImages images) {
    byte[] labels = images.labels().clone();
    Random random = new Random(3);
    for (int i = labels.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      byte kept = labels[i];
      labels[i] = labels[j];
      labels[j] = kept;
    }
    return new LabelledImages(images.pixels(), labels, images.rows(), images.columns());
  }

  /** Fine-tunes the active bundle on {@code mix} into bundle {@code name}, as train --from-audits does. */
  private static Path candidate(String name, LabelledImages mix) {
    TrainingConfig config = CandidateBuilder.fineTuningDefaults(TrainingConfig.defaults(Architecture.MLP))
        .withShowProgress(false);
    new FineTuner(config, QUIET).fineTune(dir.resolve("active"), mix,
        BundleTrainer.heldOut(data.train(), config.validationSize()), dir.resolve(name), Map.of());
    return dir.resolve(name);
  }

  private static LabelledImages replayMix(LabelledImages audited) {
    LabelledImages original = data.train().slice(0, data.train().size() - 5_000);
    return TrainingMix.of(audited, original, CandidateBuilder.DEFAULT_REPLAY_RATIO * audited.size(), 42);
  }

  private static List<Prediction> classify(Path bundle, LabelledImages images) {
    try (ModelBundle loaded = ModelBundle.load(bundle); BatchClassifier classifier = loaded.newClassifier()) {
      List<Prediction> predictions = new ArrayList<>(images.size());
      for (int from = 0; from < images.size(); from += 500) {
        predictions.addAll(classifier.classify(images.images(from, Math.min(images.size(), from + 500))));
      }
      return predictions;
    }
  }

  /** The active model and {@code candidate} on the first {@code count} of {@code images}. */
  private static List<PairedOutcome> pairs(Path candidate, LabelledImages images, int count) {
    List<Prediction> active = classify(dir.resolve("active"), images);
    List<Prediction> tuned = classify(candidate, images);
    List<PairedOutcome> pairs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      pairs.add(new PairedOutcome(images.label(i), active.get(i).label(), tuned.get(i).label()));
    }
    return pairs;
  }

  private static double accuracy(long correct, long of) {
    return (double) correct / of;
  }

  @Test
  void auditsOfTheDarkScannerTeachItBackWithoutCostingTheOtherImages() {
    Path tuned = candidate("audits", replayMix(dark(data.test().slice(0, AUDITED))));

    PairedEvidence darkScanner = PairedEvidence.of(pairs(tuned, darkEval, darkEval.size()), 10);
    PairedEvidence elsewhere = PairedEvidence.of(pairs(tuned, cleanEval, cleanEval.size()), 10);

    double darkBefore = accuracy(darkScanner.activeCorrect(), darkScanner.pairs());
    double darkAfter = accuracy(darkScanner.candidateCorrect(), darkScanner.pairs());
    double cleanBefore = accuracy(elsewhere.activeCorrect(), elsewhere.pairs());
    double cleanAfter = accuracy(elsewhere.candidateCorrect(), elsewhere.pairs());
    log.info(String.format(Locale.ROOT, "dark scanner: active %.4f, candidate %.4f; other images: active %.4f,"
        + " candidate %.4f", darkBefore, darkAfter, cleanBefore, cleanAfter));
    List<PairedOutcome> live = new ArrayList<>(pairs(tuned, darkEval, 100));
    live.addAll(pairs(tuned, cleanEval, 700));
    PromotionDecision decision = PromotionRule.DEFAULT.decide(PairedEvidence.of(live, 10));
    log.info("fine-tuned on the audits, on 800 live audits (100 from the dark scanner): {} {}", decision.outcome(),
        decision.reason());
    log.info("the same without the class guard: {}",
        new PromotionRule(PromotionRule.DEFAULT_SIGNIFICANCE, PromotionRule.DEFAULT_MIN_DISAGREEMENTS, 1,
            PromotionRule.DEFAULT_MIN_CLASS_ITEMS).decide(PairedEvidence.of(live, 10)).reason());
    assertThat(darkAfter).as("the dark scanner's accuracy").isGreaterThan(darkBefore + 0.10);
    assertThat(cleanAfter).as("the other images' accuracy").isGreaterThan(cleanBefore - 0.02);
  }

  @Test
  void aCandidateTrainedOnShuffledLabelsIsRetired() {
    Path shuffled = candidate("shuffled", shuffledLabels(replayMix(dark(data.test().slice(0, AUDITED)))));
    // live evidence: one item in eight from the dark scanner
    List<PairedOutcome> live = new ArrayList<>(pairs(shuffled, darkEval, 100));
    live.addAll(pairs(shuffled, cleanEval, 700));

    PromotionDecision decision = PromotionRule.DEFAULT.decide(PairedEvidence.of(live, 10));

    log.info("shuffled labels: {} {}", decision.outcome(), decision.reason());
    assertThat(decision.outcome()).isEqualTo(PromotionDecision.Outcome.RETIRE);
  }
}
