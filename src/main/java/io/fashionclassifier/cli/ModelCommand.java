package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Calibration;
import io.fashionclassifier.model.CalibrationFit;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.model.ServingReports;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code model list|activate|shadow|rollback|acceptance|calibrate|promote}: moves the pointers of a model repository that running stream
 * classifiers watch (docs/stream-classifier.md, Rollout). A bundle is loaded and checked here before a pointer
 * names it, so a corrupt one is refused before any classifier sees it.
 */
@Command(
    name = "model",
    header = "Roll model versions out to running classifiers without a restart.",
    mixinStandardHelpOptions = true,
    description = {
      "Rolls model versions out to running stream classifiers without a restart: a model repository is a "
          + "directory of bundles (one per subdirectory) with pointer files 'active', 'shadow' and 'previous' naming "
          + "them. Classifiers pointed at the repository (fashion.model.dir) follow the pointers within "
          + "fashion.model.poll.ms.",
      ""
    },
    subcommands = {
      ModelCommand.ListBundles.class,
      ModelCommand.Activate.class,
      ModelCommand.Shadow.class,
      ModelCommand.Rollback.class,
      ModelCommand.Acceptance.class,
      ModelCommand.Calibrate.class,
      PromoteCommand.class
    })
final class ModelCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "Missing subcommand: list, activate, shadow, rollback, acceptance, calibrate or promote (try --help)");
  }

  /** The repository option every subcommand shares. */
  static final class RepositoryOption {
    @Option(names = "--models", paramLabel = "DIR", defaultValue = "${env:FASHION_MODEL_DIR:-models}",
        description = "Model repository (default: $FASHION_MODEL_DIR, then ./models).")
    Path directory;

    ModelRepository open() {
      try {
        return ModelRepository.at(directory);
      } catch (ModelBundleException e) {
        throw new UserError(e.getMessage() + "; pass the model repository with --models DIR", e);
      }
    }
  }

  /** Loads and checks bundle {@code name} as a classifier would, and returns its version. */
  static String check(ModelRepository repository, String name) {
    try (ModelBundle bundle = ModelBundle.load(repository.bundle(name))) {
      return bundle.version();
    } catch (ModelBundleException e) {
      throw new UserError("refused: " + e.getMessage(), e);
    }
  }

  /** How long a pointer move waits for the running classifiers' answer. */
  static final class WaitOption {
    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
        description = "How long to wait for every running classifier to report the bundle taken up or refused"
            + " (default ${DEFAULT-VALUE}; 0: do not wait). Durations: " + DurationConverter.FORMATS + ".")
    Duration wait;
  }

  /**
   * Prints what the running classifiers made of bundle {@code name} now in {@code role}, as their serving reports
   * say (waiting up to {@code wait} for each); throws a UserError when any refused it.
   */
  static void confirm(ModelRepository models, String role, String name, String version, Duration wait,
      PrintWriter out) {
    Path reports = models.directory().resolve(ServingReports.DIRECTORY);
    if (wait.isZero()) {
      out.println("unconfirmed: not waiting for the classifiers (--wait 0); fashion_model_serving says what each serves");
      return;
    }
    TakeUp.Outcome outcome = pointing(() -> TakeUp.await(models, role, name, version, wait));
    if (outcome.noClassifiers()) {
      out.printf("unconfirmed: no running classifier reports to %s (none is running, or they cannot write there:"
          + " a read-only volume); fashion_model_serving says what each serves%n", reports);
      return;
    }
    int total = outcome.answers().size() + outcome.silent().size();
    List<TakeUp.Answer> refused = outcome.refused();
    if (!refused.isEmpty()) {
      out.printf("taken up by %d of %d running classifiers%n", outcome.takenUp(), total);
      refused.forEach(answer -> out.printf("refused by %s: %s%n", answer.instance(), answer.refusal()));
      outcome.silent().forEach(instance -> out.printf("no answer yet from %s%n", instance));
      out.flush();
      throw new UserError(refused.size() + " of " + total + " running classifiers refused " + name
          + " and keep serving what they served (reasons above)"
          + (ModelRepository.ACTIVE.equals(role) ? "; 'model rollback' points 'active' back" : "; 'model shadow --off'"
              + " stops naming it"));
    }
    if (!outcome.silent().isEmpty()) {
      out.printf("unconfirmed: %d of %d running classifiers took it up within %s; no answer from %s%n",
          outcome.takenUp(), total, wait, String.join(", ", outcome.silent()));
      return;
    }
    out.printf("taken up by all %d running classifiers%n", total);
  }

  static <T> T pointing(Supplier<T> move) {
    try {
      return move.get();
    } catch (ModelBundleException | UncheckedIOException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  @Command(name = "list", header = "List the bundles of the repository and their roles.", mixinStandardHelpOptions = true,
      description = "Lists the bundles of the repository, marking the active, shadow and previous ones.")
  static final class ListBundles implements Runnable {
    @Spec CommandSpec spec;
    @Mixin RepositoryOption repository;

    @Override
    public void run() {
      ModelRepository models = repository.open();
      PrintWriter out = spec.commandLine().getOut();
      Optional<String> active = models.active();
      Optional<String> shadow = models.shadow();
      Optional<String> previous = models.previous();
      out.printf(Locale.ROOT, "%-9s %-24s %-12s %-5s %-8s %-20s%n",
          "role", "bundle", "version", "arch", "test acc", "created");
      for (ModelRepository.Entry entry : pointing(models::list)) {
        String role = active.filter(entry.name()::equals).map(n -> "active")
            .or(() -> shadow.filter(entry.name()::equals).map(n -> "shadow"))
            .or(() -> previous.filter(entry.name()::equals).map(n -> "previous"))
            .orElse("");
        Manifest manifest = entry.manifest();
        if (manifest == null) {
          out.printf(Locale.ROOT, "%-9s %-24s (%s)%n", role, entry.name(), entry.problem());
          continue;
        }
        out.printf(Locale.ROOT, "%-9s %-24s %-12s %-5s %-8s %-20s%n", role, entry.name(), manifest.version(),
            manifest.architecture(),
            manifest.testAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.2f%%",
                manifest.testAccuracy() * 100),
            manifest.createdAt() == null ? "-" : manifest.createdAt());
      }
      if (active.isEmpty()) {
        out.println("no active bundle: name one with 'model activate NAME'");
      }
      out.flush();
    }
  }

  @Command(name = "activate", header = "Check bundle NAME and make it the active one.", mixinStandardHelpOptions = true,
      description = "Checks bundle NAME (load, content hash, classes, input shape, a forward pass) and makes it "
          + "the active one; the one it replaces becomes 'previous' (see rollback). Then waits (--wait) for the "
          + "running classifiers' serving reports and prints whether each took it up or refused it, and why.")
  static final class Activate implements Runnable {
    @Spec CommandSpec spec;
    @Mixin RepositoryOption repository;

    @Mixin WaitOption waiting;

    @Parameters(paramLabel = "NAME", description = "Bundle directory name inside the repository.")
    String name;

    @Override
    public void run() {
      ModelRepository models = repository.open();
      String version = check(models, name);
      Optional<String> was = models.active();
      pointing(() -> {
        models.activate(name);
        return null;
      });
      PrintWriter out = spec.commandLine().getOut();
      out.printf("active: %s (version %s)%s%n",
          name, version, was.filter(w -> !w.equals(name)).map(w -> ", previous: " + w).orElse(""));
      out.flush();
      confirm(models, ModelRepository.ACTIVE, name, version, waiting.wait, out);
      out.flush();
    }
  }

  @Command(name = "shadow", header = "Compare bundle NAME with the active one on live batches.", mixinStandardHelpOptions = true,
      description = "Checks bundle NAME and has it classify the same batches as the active one, publishing only "
          + "its agreement and accuracy (SHADOW figures). Doubles inference. --off stops it.")
  static final class Shadow implements Runnable {
    @Spec CommandSpec spec;
    @Mixin RepositoryOption repository;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "Bundle directory name inside the repository.")
    String name;

    @Option(names = "--off", description = "Stop shadowing.")
    boolean off;

    @Mixin WaitOption waiting;

    @Override
    public void run() {
      ModelRepository models = repository.open();
      PrintWriter out = spec.commandLine().getOut();
      if (off == (name != null)) {
        throw new ParameterException(spec.commandLine(), "give either NAME or --off");
      }
      if (off) {
        pointing(() -> {
          models.stopShadow();
          return null;
        });
        out.println("shadowing stopped");
      } else {
        String version = check(models, name);
        pointing(() -> {
          models.shadow(name);
          return null;
        });
        out.printf("shadow: %s (version %s), compared with the active model on every batch%n", name, version);
        out.flush();
        confirm(models, ModelRepository.SHADOW, name, version, waiting.wait, out);
      }
      out.flush();
    }
  }

  @Command(name = "rollback", header = "Point 'active' back at 'previous'.", mixinStandardHelpOptions = true,
      description = "Points 'active' back at 'previous' (after checking it); running again rolls forward.")
  static final class Rollback implements Runnable {
    @Spec CommandSpec spec;
    @Mixin RepositoryOption repository;
    @Mixin WaitOption waiting;

    @Override
    public void run() {
      ModelRepository models = repository.open();
      String target = models.previous().orElseThrow(() -> new UserError("nothing to roll back to: "
          + models.directory().resolve(ModelRepository.PREVIOUS) + " is not set (activate a bundle first)"));
      String version = check(models, target);
      String was = models.active().orElse("none");
      pointing(models::rollback);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("active: %s (version %s), previous: %s%n", target, version, was);
      out.flush();
      confirm(models, ModelRepository.ACTIVE, target, version, waiting.wait, out);
      out.flush();
    }
  }

  @Command(name = "acceptance", header = "Ship a labelled slice and a minimum accuracy in bundle NAME.", mixinStandardHelpOptions = true,
      description = "Ships a labelled slice of the Fashion-MNIST test set in bundle NAME with a minimum accuracy: "
          + "from then on the bundle is refused (at activation and by running classifiers) unless its model "
          + "reaches it. Written only if the model reaches it now.")
  static final class Acceptance implements Runnable {
    @Spec CommandSpec spec;
    @Mixin RepositoryOption repository;

    @Parameters(paramLabel = "NAME", description = "Bundle directory name inside the repository.")
    String name;

    @Option(names = "--min-accuracy", required = true, paramLabel = "X",
        description = "Accuracy the model must reach on the slice, 0-1.")
    double minAccuracy;

    @Option(names = "--images", defaultValue = "500", paramLabel = "N",
        description = "Images in the slice, from the end of the test set (default ${DEFAULT-VALUE}).")
    int images;

    @Mixin DatasetOption data;

    @Override
    public void run() {
      if (minAccuracy < 0 || minAccuracy > 1 || images < 1 || images > 10_000) {
        throw new ParameterException(spec.commandLine(), "--min-accuracy must be in 0-1 and --images in 1-10000");
      }
      ModelRepository models = repository.open();
      Path bundleDirectory = pointing(() -> models.bundle(name));
      LabelledImages test = data.load().test();
      LabelledImages slice = test.slice(test.size() - images, test.size());
      double accuracy;
      try (ModelBundle bundle = ModelBundle.load(bundleDirectory);
          BatchClassifier classifier = bundle.newClassifier()) {
        List<Prediction> predictions = classifier.classify(slice.images(0, slice.size()));
        int correct = 0;
        for (int i = 0; i < predictions.size(); i++) {
          correct += predictions.get(i).label() == slice.label(i) ? 1 : 0;
        }
        accuracy = (double) correct / slice.size();
      } catch (ModelBundleException e) {
        throw new UserError("refused: " + e.getMessage(), e);
      }
      if (accuracy < minAccuracy) {
        throw new UserError(String.format(Locale.ROOT, "%s reaches %.4f on the %d images, below --min-accuracy %.4f:"
            + " nothing written (lower the minimum or train a better model)", name, accuracy, images, minAccuracy));
      }
      ModelBundle.writeAcceptanceSlice(bundleDirectory, slice, minAccuracy);
      spec.commandLine().getOut().printf(Locale.ROOT,
          "%s: acceptance slice of %d images written, minimum %.4f (the model reaches %.4f)%n",
          name, images, minAccuracy, accuracy);
      spec.commandLine().getOut().flush();
    }
  }

  @Command(name = "calibrate", header = "Fit the model-health calibration of bundle NAME.", mixinStandardHelpOptions = true,
      description = "Fits the temperature and the model-health reference (calibration.json, docs/model-health.md) of "
          + "bundle NAME on the validation images its training run held out, as 'train' does for new bundles: for a "
          + "bundle trained before calibration existed. Replaces an existing calibration.json.")
  static final class Calibrate implements Runnable {
    @Spec CommandSpec spec;
    @Mixin RepositoryOption repository;

    @Parameters(paramLabel = "NAME", description = "Bundle directory name inside the repository.")
    String name;

    @Mixin DatasetOption data;

    @Override
    public void run() {
      ModelRepository models = repository.open();
      Path bundleDirectory = pointing(() -> models.bundle(name));
      Calibration calibration;
      try (ModelBundle bundle = ModelBundle.load(bundleDirectory);
          BatchClassifier classifier = bundle.newClassifier()) {
        calibration = CalibrationFit.fit(classifier, EvaluateCommand.validationImages(data.load(), bundle));
      } catch (ModelBundleException e) {
        throw new UserError("refused: " + e.getMessage(), e);
      }
      pointing(() -> {
        Calibration.write(bundleDirectory, calibration);
        return null;
      });
      spec.commandLine().getOut().printf(Locale.ROOT,
          "%s: %s written: temperature %.4f, estimated accuracy %.4f against %.4f measured on %d validation images%n",
          name, Calibration.FILE, calibration.temperature(), calibration.reference().meanCalibratedConfidence(),
          calibration.reference().accuracy(), calibration.reference().images());
      spec.commandLine().getOut().flush();
    }
  }
}
