package io.fashionclassifier.learning;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.promotion.PairedEvidence;
import io.fashionclassifier.promotion.PairedOutcome;
import io.fashionclassifier.promotion.PromotionDecision;
import io.fashionclassifier.promotion.PromotionRule;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.training.BundleTrainer;
import io.fashionclassifier.training.FineTuner;
import io.fashionclassifier.training.TrainingConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code train --from-audits}: builds a candidate from the active bundle by fine-tuning it on the audited items
 * (their images read from the input topic) mixed with a replay of the original training images, holding out a
 * share of the audited items it never trains on, and measures both models on that held-out slice. Writes the
 * candidate into the repository, and with {@code shadow} makes it the shadow model.
 */
public final class CandidateBuilder {

  /** Share of the audited items held out of every candidate's training. */
  public static final double DEFAULT_HELD_OUT = 0.2;
  /** Original training images replayed per audited training image. */
  public static final int DEFAULT_REPLAY_RATIO = 4;
  /** Fewest original training images replayed, however few the audits. */
  public static final int MIN_REPLAY = 2_000;
  /** Epochs of fine-tuning. */
  public static final int DEFAULT_EPOCHS = 3;
  /** The fine-tuning learning rate as a share of the architecture's own training rate. */
  public static final float LEARNING_RATE_SHARE = 0.1f;

  /**
   * @param heldOut share of the audited items held out
   * @param replayRatio original images replayed per audited training image (at least {@link #MIN_REPLAY})
   */
  public record Settings(String auditedTopic, String inputTopic, double heldOut, int replayRatio, Duration readTimeout,
      String bundleName, boolean shadow) {}

  /**
   * What was built.
   *
   * @param heldOutEvidence both models on the held-out audited items (active = the bundle it was built from)
   * @param records the decision records to write, in order
   */
  public record Built(Manifest manifest, Path bundle, int audited, int withoutImage, int trainedOn, int replayed,
      PairedEvidence heldOutEvidence, List<ModelDecision> records) {}

  private final Map<String, Object> clientConfig;
  private final Map<String, Object> serdeConfig;
  private final Clock clock;
  private final PrintStream console;

  public CandidateBuilder(Map<String, Object> clientConfig, Map<String, Object> serdeConfig, Clock clock,
      PrintStream console) {
    this.clientConfig = clientConfig;
    this.serdeConfig = serdeConfig;
    this.clock = clock;
    this.console = console;
  }

  /** The fine-tuning settings for the active bundle's architecture, before the caller's own. */
  public static TrainingConfig fineTuningDefaults(TrainingConfig architectureDefaults) {
    return architectureDefaults.withEpochs(DEFAULT_EPOCHS)
        .withLearningRate(architectureDefaults.learningRate() * LEARNING_RATE_SHARE)
        .withSchedule(TrainingConfig.Schedule.STEPS);
  }

  public Built build(ModelRepository repository, FashionMnist data, TrainingConfig config, Settings settings) {
    String activeName = repository.active().orElseThrow(() -> new ModelBundleException("no active bundle in "
        + repository.directory() + ": name one with 'model activate NAME'"));
    Path activeDirectory = repository.bundle(activeName);
    String activeVersion;
    try (ModelBundle active = ModelBundle.load(activeDirectory)) {
      activeVersion = active.version();
    }
    Path out = repository.bundle(settings.bundleName());
    if (Files.exists(out)) {
      throw new ModelBundleException(out + " exists already: choose another --name");
    }
    HoldOut holdOut = new HoldOut(settings.heldOut());
    AuditedImages audits = AuditedImages.read(clientConfig, serdeConfig, settings.auditedTopic(),
        settings.inputTopic(), settings.readTimeout());
    List<String> trainIds = new ArrayList<>();
    List<String> heldOutIds = new ArrayList<>();
    audits.pixels().keySet().forEach(id -> (holdOut.heldOut(id) ? heldOutIds : trainIds).add(id));
    if (trainIds.isEmpty()) {
      throw new ModelBundleException("no audited item to train on: " + audits.truth().size() + " audited on "
          + settings.auditedTopic() + ", " + audits.withoutImage() + " of them without an image on "
          + settings.inputTopic() + ", " + heldOutIds.size() + " held out");
    }
    LabelledImages auditedTraining = images(trainIds, audits);
    LabelledImages validation = BundleTrainer.heldOut(data.train(), config.validationSize());
    LabelledImages original = data.train().slice(0, data.train().size() - validation.size());
    int replay = Math.max(MIN_REPLAY, settings.replayRatio() * trainIds.size());
    LabelledImages mix = TrainingMix.of(auditedTraining, original, replay, config.seed());
    console.printf("fine-tuning %s on %d audited items and %d replayed training images (%d audited items held out,"
        + " %d without an image on %s)%n", activeName, trainIds.size(), mix.size() - trainIds.size(),
        heldOutIds.size(), audits.withoutImage(), settings.inputTopic());
    Map<String, Object> notes = new LinkedHashMap<>();
    notes.put("audited_items", audits.truth().size());
    notes.put("audited_trained_on", trainIds.size());
    notes.put("audited_held_out", heldOutIds.size());
    notes.put("audited_without_image", audits.withoutImage());
    notes.put("replayed_images", mix.size() - trainIds.size());
    Manifest manifest = new FineTuner(config, console).fineTune(activeDirectory, mix, validation, out,
        notes);

    LabelledImages heldOut = images(heldOutIds, audits);
    PairedEvidence evidence = PairedEvidence.of(pairs(activeDirectory, out, heldOut),
        FashionMnist.CLASS_NAMES.size());
    String reason = String.format(Locale.ROOT, "fine-tuned from %s on %d audited items and %d replayed images;"
            + " on the %d held-out audited items: active %s, candidate %s", activeName, trainIds.size(),
        mix.size() - trainIds.size(), evidence.pairs(), share(evidence.activeCorrect(), evidence.pairs()),
        share(evidence.candidateCorrect(), evidence.pairs()));
    List<ModelDecision> records = new ArrayList<>();
    PromotionDecision figures = PromotionRule.DEFAULT.decide(evidence);
    records.add(Decisions.record(clock, repository, DecisionKind.CANDIDATE_BUILT, activeName, activeVersion,
        settings.bundleName(), manifest.version(), reason, figures));
    if (settings.shadow()) {
      repository.shadow(settings.bundleName());
      records.add(Decisions.record(clock, repository, DecisionKind.SHADOWED, activeName, activeVersion,
          settings.bundleName(), manifest.version(), "compared with " + activeName + " on live traffic from now on",
          null));
    }
    return new Built(manifest, out, audits.truth().size(), audits.withoutImage(), trainIds.size(),
        mix.size() - trainIds.size(), evidence, records);
  }

  private static String share(long part, long whole) {
    return whole == 0 ? "-" : String.format(Locale.ROOT, "%.4f", (double) part / whole);
  }

  private static LabelledImages images(List<String> ids, AuditedImages audits) {
    byte[] pixels = new byte[ids.size() * FashionMnist.PIXELS];
    byte[] labels = new byte[ids.size()];
    for (int i = 0; i < ids.size(); i++) {
      System.arraycopy(audits.pixels().get(ids.get(i)), 0, pixels, i * FashionMnist.PIXELS, FashionMnist.PIXELS);
      labels[i] = (byte) (int) audits.truth().get(ids.get(i));
    }
    return new LabelledImages(pixels, labels, FashionMnist.ROWS, FashionMnist.COLUMNS);
  }

  /** Both bundles' labels on {@code images}, paired with the truth. */
  private static List<PairedOutcome> pairs(Path active, Path candidate, LabelledImages images) {
    List<Prediction> activeLabels = classify(active, images);
    List<Prediction> candidateLabels = classify(candidate, images);
    List<PairedOutcome> pairs = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      pairs.add(new PairedOutcome(images.label(i), activeLabels.get(i).label(), candidateLabels.get(i).label()));
    }
    return pairs;
  }

  private static List<Prediction> classify(Path bundleDirectory, LabelledImages images) {
    if (images.size() == 0) {
      return List.of();
    }
    try (ModelBundle bundle = ModelBundle.load(bundleDirectory);
        BatchClassifier classifier = bundle.newClassifier()) {
      List<Prediction> predictions = new ArrayList<>(images.size());
      for (int from = 0; from < images.size(); from += 256) {
        predictions.addAll(classifier.classify(images.images(from, Math.min(images.size(), from + 256))));
      }
      return predictions;
    }
  }
}
