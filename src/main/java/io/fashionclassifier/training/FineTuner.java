package io.fashionclassifier.training;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.model.CalibrationFit;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.TestTimeAugmentation;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Goes on training an existing bundle's parameters (rather than fresh ones) with a {@link TrainingLoop}, and writes
 * the result as a new bundle with its calibration: the candidate of the continuous-learning loop. The bundle it
 * starts from is loaded and checked first, as a classifier would, so a corrupt one is refused before training.
 */
public final class FineTuner {

  private final TrainingConfig config;
  private final PrintStream console;

  public FineTuner(TrainingConfig config, PrintStream console) {
    this.config = config;
    this.console = console;
  }

  /**
   * Trains the parameters of the bundle in {@code from} on {@code training}, keeping the epoch best on
   * {@code validation}, and writes the new bundle to {@code out}.
   *
   * @param notes recorded in the new manifest's training map beside the training settings
   */
  public Manifest fineTune(Path from, LabelledImages training, LabelledImages validation, Path out,
      Map<String, Object> notes) {
    Manifest base;
    try (ModelBundle bundle = ModelBundle.load(from)) {
      base = bundle.manifest();
    }
    Architecture architecture = Architecture.fromId(base.architecture());
    if (architecture != config.architecture()) {
      throw new IllegalArgumentException("the bundle in " + from + " is a " + architecture.id()
          + ", the training settings are for a " + config.architecture().id());
    }
    TestTimeAugmentation views = TestTimeAugmentation.flipOnly(base.flipTta());
    Manifest manifest;
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      Engine.getInstance().setRandomSeed((int) config.seed());
      Block block = architecture.newBlock();
      try (InputStream in = Files.newInputStream(from.resolve(base.parametersFile()))) {
        // parameters already there are not initialised again when training starts: it goes on from them
        block.loadParameters(model.getNDManager(), new DataInputStream(in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the parameters of " + from, e);
      } catch (MalformedModelException e) {
        throw new ModelBundleException(from + ": cannot load its parameters: " + e.getMessage(), e);
      }
      model.setBlock(block);
      long start = System.nanoTime();
      TrainingLoop.Outcome outcome = new TrainingLoop(config, console, System::nanoTime, start,
          validation.size() * views.viewCount()).run(model, training, validation);
      Map<String, Object> recorded = new LinkedHashMap<>(config.toMap());
      recorded.put("fine_tuned_from", base.version());
      recorded.put("fine_tuning_epochs", outcome.epochs().size());
      recorded.put("fine_tuning_best_epoch", outcome.bestEpoch());
      recorded.putAll(notes);
      manifest = ModelBundle.save(out, model.getBlock(), architecture, base.flipTta(), recorded, null);
      Calibration calibration;
      try (BatchClassifier classifier = ModelBundle.classifierOf(model, views)) {
        calibration = CalibrationFit.fit(classifier, validation);
      }
      Calibration.write(out, calibration);
    }
    console.printf("fine-tuned %s into %s (version %s)%n", base.version(), out, manifest.version());
    console.flush();
    return manifest;
  }
}
