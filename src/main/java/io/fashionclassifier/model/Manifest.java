package io.fashionclassifier.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * Describes a model bundle ({@code manifest.json}): what the parameters are, how to feed them and how good they
 * are. JSON field names are snake_case.
 *
 * @param formatVersion bundle layout version, {@value #FORMAT_VERSION}
 * @param name model name
 * @param version short SHA-256 of the parameters file: changes whenever the weights change
 * @param architecture network id, see {@link Architecture}
 * @param parametersFile parameters file name inside the bundle (DJL format)
 * @param inputShape {@code [channels, rows, columns]} of one image
 * @param normalization pixel normalisation applied after scaling bytes to [0, 1]
 * @param classNames class names in label order
 * @param flipTta whether predictions average the image and its horizontal mirror image
 * @param djlVersion DJL version that wrote the bundle
 * @param engine deep learning engine that trained it
 * @param engineVersion version of that engine
 * @param createdAt ISO-8601 creation time (UTC)
 * @param training the training configuration, for the record
 * @param testAccuracy accuracy on the 10,000 Fashion-MNIST test images, or null if not evaluated
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(
    int formatVersion,
    String name,
    String version,
    String architecture,
    String parametersFile,
    List<Integer> inputShape,
    Normalization normalization,
    List<String> classNames,
    boolean flipTta,
    String djlVersion,
    String engine,
    String engineVersion,
    String createdAt,
    Map<String, Object> training,
    Double testAccuracy) {

  public static final int FORMAT_VERSION = 1;

  /**
   * Pixel normalisation: {@code (byte / 255 - mean) / std}.
   *
   * @param mean mean of the training pixels scaled to [0, 1]
   * @param std their standard deviation
   */
  public record Normalization(float mean, float std) {
    /** Fashion-MNIST training-set statistics. */
    public static final Normalization FASHION_MNIST = new Normalization(0.2860f, 0.3530f);
  }

  /** The same manifest with another test accuracy. */
  public Manifest withTestAccuracy(double accuracy) {
    return new Manifest(formatVersion, name, version, architecture, parametersFile, inputShape, normalization,
        classNames, flipTta, djlVersion, engine, engineVersion, createdAt, training, accuracy);
  }
}
