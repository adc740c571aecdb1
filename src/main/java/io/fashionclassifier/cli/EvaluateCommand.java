package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.DatasetException;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.training.Evaluation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evaluate}: recomputes a bundle's test metrics through the same classifier the stream job uses. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = "Classifies the 10,000 Fashion-MNIST test images with a model bundle and prints per-class "
        + "precision, recall, F1 and the accuracy.")
final class EvaluateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model bundle directory.")
  Path model;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Fashion-MNIST directory (default: $FASHION_MNIST_DIR, then /usr/share/datasets/fashion-mnist).")
  Path data;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (ModelBundle bundle = ModelBundle.load(model);
        BatchClassifier classifier = bundle.newClassifier()) {
      FashionMnist dataset = FashionMnist.load(data);
      Evaluation evaluation = Evaluation.run(classifier, dataset.test(), bundle.manifest().classNames());
      out.printf("model %s (%s, flip TTA %s), %d test images%n%n", bundle.version(),
          bundle.manifest().architecture(), bundle.manifest().flipTta(), evaluation.total());
      out.print(evaluation.table());
      if (bundle.manifest().testAccuracy() != null
          && Math.abs(bundle.manifest().testAccuracy() - evaluation.accuracy()) > 1e-9) {
        out.printf("%nnote: the manifest records test accuracy %.4f%n", bundle.manifest().testAccuracy());
      }
      out.flush();
      return 0;
    } catch (ModelBundleException | DatasetException e) {
      throw new UserError(e.getMessage(), e);
    }
  }
}
