package io.fashionclassifier.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A bundle's {@code calibration.json} (snake_case): the temperature that calibrates its confidences and what its
 * predictions looked like on the validation images, the reference of the model-health drift scores
 * (docs/model-health.md). Fitted by {@link CalibrationFit} at the end of training, or later by
 * {@code model calibrate}; a bundle without it loads and serves, without drift scores.
 *
 * @param temperature divides the logits: above 1 softens an over-confident model
 * @param topK how many top probabilities the reference was computed from (as many as a verdict carries)
 * @param reference the validation split's figures
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Calibration(double temperature, int topK, Reference reference) {

  public static final String FILE = "calibration.json";

  /**
   * The figures of the validation predictions, computed as the stream computes a window's (from the top
   * {@code topK} probabilities, {@link HealthSignals}).
   *
   * @param images how many predictions
   * @param accuracy their measured accuracy
   * @param meanConfidence mean top probability
   * @param meanCalibratedConfidence mean calibrated top probability: the estimated accuracy
   * @param meanEntropy mean entropy in nats
   * @param lowMarginShare share of predictions whose top two are within {@link HealthSignals#LOW_MARGIN}
   * @param classMix share of predictions of each class, in label order
   * @param confidenceEdges ascending bin edges of the confidence histogram (its deciles, ties merged)
   * @param confidenceShares share of predictions in each bin (one more than there are edges)
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Reference(long images, double accuracy, double meanConfidence, double meanCalibratedConfidence,
      double meanEntropy, double lowMarginShare, List<Double> classMix, List<Double> confidenceEdges,
      List<Double> confidenceShares) {}

  /** The bundle's calibration in {@code directory}, empty when it has none; refused when present but unreadable. */
  public static Optional<Calibration> read(Path directory) {
    Path file = directory.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Calibration calibration;
    try {
      calibration = ModelBundle.JSON.readValue(BundleFiles.readBounded(file, ModelBundle.MAX_JSON_BYTES),
          Calibration.class);
    } catch (JacksonException e) {
      throw new ModelBundleException(file + ": not a valid calibration: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ModelBundleException.unreadable(file + ": cannot read: " + e.getMessage(), e);
    }
    String problem = problem(calibration);
    if (problem != null) {
      throw new ModelBundleException(file + ": " + problem + "; fit it again with 'model calibrate'");
    }
    return Optional.of(calibration);
  }

  /** Writes {@code calibration} into the bundle in {@code directory}. */
  public static void write(Path directory, Calibration calibration) {
    try {
      ModelBundle.JSON.writeValue(directory.resolve(FILE).toFile(), calibration);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + directory.resolve(FILE), e);
    }
  }

  private static String problem(Calibration calibration) {
    if (calibration == null || calibration.reference() == null) {
      return "no reference";
    }
    Reference reference = calibration.reference();
    if (!(calibration.temperature() > 0) || Double.isInfinite(calibration.temperature())) {
      return "temperature must be positive, not " + calibration.temperature();
    }
    if (calibration.topK() < 1 || reference.classMix() == null || reference.confidenceEdges() == null
        || reference.confidenceShares() == null
        || reference.confidenceShares().size() != reference.confidenceEdges().size() + 1) {
      return "incomplete reference (needs top_k, class_mix, and one more confidence share than edges)";
    }
    return null;
  }
}
