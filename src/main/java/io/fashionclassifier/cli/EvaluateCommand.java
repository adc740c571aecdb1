package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.TestTimeAugmentation;
import io.fashionclassifier.training.BundleTrainer;
import io.fashionclassifier.training.Evaluation;
import io.fashionclassifier.training.TrainingConfig;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evaluate}: recomputes a bundle's test metrics through the same classifier the stream job uses. */
@Command(
    name = "evaluate",
    header = "Measure a model bundle on Fashion-MNIST test or validation images.",
    mixinStandardHelpOptions = true,
    description = "Classifies the 10,000 Fashion-MNIST test images (or the training run's validation images) "
        + "with a model bundle and prints per-class precision, recall, F1 and the accuracy.")
final class EvaluateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin BundleOption model;

  @Mixin DatasetOption data;

  /** Which images to classify. */
  enum Split { test, validation }

  @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "test",
      description = "test (default) or validation: the images the training run held out to choose its epoch "
          + "(the last validation_size training images recorded in the bundle), on which a change such as --tta "
          + "can be judged without touching the test set.")
  Split split;

  @Option(names = "--tta", paramLabel = "VIEWS",
      description = "Test-time augmentation instead of the bundle's: none, flip, shift (one-pixel shifts in four "
          + "directions) or flip+shift. Each view adds one forward pass per image.")
  String tta;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    TestTimeAugmentation augmentation;
    try {
      augmentation = tta == null ? null : TestTimeAugmentation.parse(tta);
    } catch (IllegalArgumentException e) {
      throw new UserError("--tta: " + e.getMessage());
    }
    try (ModelBundle bundle = ModelBundle.load(model.directory)) {
      TestTimeAugmentation recorded = TestTimeAugmentation.asEvaluated(bundle.manifest());
      TestTimeAugmentation views = augmentation != null ? augmentation : recorded;
      FashionMnist dataset = data.load();
      LabelledImages images = split == Split.test ? dataset.test() : validationImages(dataset, bundle);
      Evaluation evaluation;
      long start = System.nanoTime();
      try (BatchClassifier classifier = bundle.newClassifier(views)) {
        evaluation = Evaluation.run(classifier, images, bundle.manifest().classNames());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      out.printf("model %s (%s, TTA %s), %d %s images%n%n", bundle.version(),
          bundle.manifest().architecture(), views, evaluation.total(), split);
      out.print(evaluation.table());
      out.printf("%nclassified in %.1f s: %,.0f images/s, %d forward pass%s per image%n",
          seconds, evaluation.total() / seconds, views.viewCount(), views.viewCount() == 1 ? "" : "es");
      if (split == Split.test && views.equals(recorded) && bundle.manifest().testAccuracy() != null
          && Math.abs(bundle.manifest().testAccuracy() - evaluation.accuracy()) > 1e-9) {
        out.printf("%nnote: the manifest records test accuracy %.4f%n", bundle.manifest().testAccuracy());
      }
      out.flush();
      return 0;
    } catch (ModelBundleException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  /** The validation images the training run of {@code bundle} held out (its recorded validation_size). */
  static LabelledImages validationImages(FashionMnist dataset, ModelBundle bundle) {
    Map<String, Object> training = bundle.manifest().training();
    Object recorded = training == null ? null : training.get("validation_size");
    int size = recorded instanceof Number number ? number.intValue()
        : TrainingConfig.defaults(Architecture.CNN).validationSize();
    return BundleTrainer.heldOut(dataset.train(), size);
  }
}
