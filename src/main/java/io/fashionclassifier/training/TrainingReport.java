package io.fashionclassifier.training;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code report.json}: how the model was trained and how it scores on the test set. {@link #write} also
 * writes {@code report.md} and the plots it links.
 *
 * @param modelVersion the bundle's version
 * @param architecture network id
 * @param testAccuracy accuracy on the 10,000 test images (with flip TTA if the manifest says so)
 * @param bestValidationAccuracy validation accuracy of the kept parameters
 * @param bestEpoch epoch whose parameters were kept
 * @param stoppedBy what ended training: "epochs", "time budget" or "early stopping"
 * @param weightAverage the moving average of the weights against the trained ones, when one was kept (else null)
 * @param epochs per-epoch statistics
 * @param classNames class names in label order
 * @param perClass per-class precision, recall, F1 and support on the test set
 * @param confusionMatrix {@code [true label][predicted label]} counts on the test set
 * @param trainSeconds wall time of the whole run, final evaluation included
 * @param processSeconds wall time since the JVM started (dataset loading and engine start-up included)
 * @param trainingLoopSeconds wall time of the training steps only
 * @param imagesPerSecond training throughput over the training steps
 * @param cpuSeconds CPU time the process used during the run
 * @param cpuPerWall cpuSeconds / trainSeconds: about 2 when MXNet uses both cores of a 2-core machine
 * @param flipTta whether test predictions average the image and its mirror image
 * @param config the training configuration
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainingReport(
    String modelVersion,
    String architecture,
    double testAccuracy,
    double bestValidationAccuracy,
    int bestEpoch,
    String stoppedBy,
    @JsonInclude(JsonInclude.Include.NON_NULL) WeightAverage.Choice weightAverage,
    List<EpochStats> epochs,
    List<String> classNames,
    List<Evaluation.ClassMetrics> perClass,
    int[][] confusionMatrix,
    double trainSeconds,
    double processSeconds,
    double trainingLoopSeconds,
    double imagesPerSecond,
    double cpuSeconds,
    double cpuPerWall,
    boolean flipTta,
    Map<String, Object> config) {

  public static final String JSON_FILE = "report.json";
  public static final String MARKDOWN_FILE = "report.md";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static TrainingReport of(Manifest manifest, TrainingConfig config, List<EpochStats> epochs, int bestEpoch,
      String stoppedBy, WeightAverage.Choice weightAverage, Evaluation test, double trainSeconds, double loopSeconds, double imagesPerSecond,
      double cpuSeconds) {
    double bestValidation = epochs.stream()
        .filter(e -> e.epoch() == bestEpoch)
        .mapToDouble(EpochStats::validationAccuracy)
        .findFirst()
        .orElse(Double.NaN);
    return new TrainingReport(manifest.version(), manifest.architecture(), test.accuracy(), bestValidation,
        bestEpoch, stoppedBy, weightAverage, List.copyOf(epochs), test.classNames(), test.perClass(), test.confusion(),
        trainSeconds, secondsSinceJvmStart(), loopSeconds, imagesPerSecond, cpuSeconds, cpuSeconds / trainSeconds, manifest.flipTta(),
        config.toMap());
  }

  private static double secondsSinceJvmStart() {
    return ProcessHandle.current().info().startInstant()
        .map(started -> java.time.Duration.between(started, java.time.Instant.now()).toMillis() / 1000.0)
        .orElse(Double.NaN);
  }

  /** Reads {@code report.json} from a bundle directory. */
  public static TrainingReport read(Path directory) throws IOException {
    return JSON.readValue(directory.resolve(JSON_FILE).toFile(), TrainingReport.class);
  }

  /** Writes report.json, report.md and the three plots into {@code directory}. */
  static void write(Path directory, TrainingReport report, LabelledImages testImages, Evaluation test) {
    try {
      JSON.writeValue(directory.resolve(JSON_FILE).toFile(), report);
      ReportPlots.trainingCurves(report.epochs(), directory.resolve(ReportPlots.CURVES_FILE));
      ReportPlots.confusionMatrix(report.classNames(), report.confusionMatrix(),
          directory.resolve(ReportPlots.CONFUSION_FILE));
      ReportPlots.samples(testImages, test, directory.resolve(ReportPlots.SAMPLES_FILE));
      Files.writeString(directory.resolve(MARKDOWN_FILE), report.markdown());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the training report to " + directory, e);
    }
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# Fashion-MNIST model ").append(modelVersion).append("\n\n");
    md.append(String.format("- architecture: `%s`, flip TTA: %s%n", architecture, flipTta));
    md.append(String.format("- **test accuracy: %.2f%%** (10,000 test images)%n", testAccuracy * 100));
    md.append(String.format("- best validation accuracy: %.2f%% (epoch %d of %d, stopped by %s)%n",
        bestValidationAccuracy * 100, bestEpoch, epochs.size(), stoppedBy));
    md.append(String.format("- wall time: %.0f s (training steps %.0f s, %.0f images/s), CPU/wall %.2f,"
        + " %.0f s since the JVM started%n%n", trainSeconds, trainingLoopSeconds, imagesPerSecond, cpuPerWall,
        processSeconds));
    md.append("![training curves](").append(ReportPlots.CURVES_FILE).append(")\n\n");
    md.append("## Epochs\n\n| epoch | images | train loss | train acc | val loss | val acc | lr | images/s |\n");
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (EpochStats e : epochs) {
      md.append(String.format("| %d | %d | %.4f | %.4f | %.4f | %.4f | %.5f | %.0f |%n", e.epoch(), e.images(),
          e.trainLoss(), e.trainAccuracy(), e.validationLoss(), e.validationAccuracy(), e.learningRate(),
          e.imagesPerSecond()));
    }
    md.append("\n## Test set per class\n\n| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n");
    for (Evaluation.ClassMetrics m : perClass) {
      md.append(String.format("| %s | %.4f | %.4f | %.4f | %d |%n", m.name(), m.precision(), m.recall(), m.f1(),
          m.support()));
    }
    md.append("\n![confusion matrix](").append(ReportPlots.CONFUSION_FILE).append(")\n\n");
    md.append("## Samples\n\nFirst 25 test images, predicted label (true label when wrong, in red):\n\n");
    md.append("![samples](").append(ReportPlots.SAMPLES_FILE).append(")\n");
    return md.toString();
  }
}
