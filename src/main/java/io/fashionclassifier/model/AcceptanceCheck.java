package io.fashionclassifier.model;

import ai.djl.Model;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.fashionclassifier.dataset.DatasetException;
import io.fashionclassifier.dataset.IdxFiles;
import io.fashionclassifier.dataset.LabelledImages;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * An optional check a bundle carries for itself: {@code acceptance.json} names a small labelled slice shipped in
 * the bundle (two IDX files, as Fashion-MNIST's) and the accuracy the model must reach on it before it is used. It
 * catches a bundle that loads and answers but was trained on the wrong data or with a bug, which the
 * {@link SmokeCheck} cannot see. A bundle without the file skips it.
 */
final class AcceptanceCheck {

  static final String FILE = "acceptance.json";
  static final String IMAGES_FILE = "acceptance-images.idx";
  static final String LABELS_FILE = "acceptance-labels.idx";
  private static final int SIDE = 28;

  /** The contents of {@code acceptance.json} (snake_case). */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Spec(String images, String labels, Double minAccuracy) {}

  /** The most images a slice may hold (as many as 'model acceptance --images' writes). */
  static final int MAX_IMAGES = 10_000;

  private AcceptanceCheck() {}

  /** The files of the bundle's acceptance slice ({@code acceptance.json} and the two it names), or none. */
  static List<Path> files(Path directory) {
    Path file = directory.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    Spec spec = spec(directory);
    return List.of(file, BundleFiles.inside(directory, spec.images(), FILE + " images"),
        BundleFiles.inside(directory, spec.labels(), FILE + " labels"));
  }

  private static Spec spec(Path directory) {
    Path file = directory.resolve(FILE);
    Spec spec;
    try {
      spec = ModelBundle.JSON.readValue(BundleFiles.readBounded(file, ModelBundle.MAX_JSON_BYTES), Spec.class);
    } catch (JacksonException e) {
      String message = String.valueOf(e.getOriginalMessage());
      throw new ModelBundleException(file + ": not valid JSON: " + message.lines().findFirst().orElse(""));
    } catch (IOException e) {
      throw ModelBundleException.unreadable(file + ": cannot read: " + e.getMessage(), e);
    }
    if (spec == null || spec.images() == null || spec.labels() == null || spec.minAccuracy() == null) {
      throw new ModelBundleException(file + ": needs images, labels and min_accuracy");
    }
    return spec;
  }

  /**
   * Throws {@link ModelBundleException} when the bundle names a slice and the model misses its minimum, or the
   * slice's files are not what {@code acceptance.json} says (a slice holds at most {@link #MAX_IMAGES} images).
   */
  static void check(Path directory, Manifest manifest, Model model) {
    Path file = directory.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return;
    }
    Spec spec = spec(directory);
    if (!(spec.minAccuracy() >= 0 && spec.minAccuracy() <= 1)) {
      throw new ModelBundleException(file + ": min_accuracy " + spec.minAccuracy() + " is not in 0-1");
    }
    LabelledImages slice;
    try {
      IdxFiles.ImagesFile images = IdxFiles.readImages(BundleFiles.inside(directory, spec.images(), FILE + " images"),
          SIDE, SIDE, MAX_IMAGES);
      byte[] labels = IdxFiles.readLabels(BundleFiles.inside(directory, spec.labels(), FILE + " labels"),
          manifest.classNames().size(), MAX_IMAGES);
      if (labels.length != images.count() || labels.length == 0) {
        throw new ModelBundleException(file + ": " + images.count() + " images and " + labels.length
            + " labels; the acceptance slice needs as many labels as images, and at least one");
      }
      slice = new LabelledImages(images.pixels(), labels, SIDE, SIDE);
    } catch (DatasetException e) {
      // an I/O error reading the slice is worth another try; what the files hold is not
      boolean io = e.getCause() instanceof IOException;
      String message = "acceptance slice: " + e.getMessage();
      throw io ? ModelBundleException.unreadable(message, e) : new ModelBundleException(message, e);
    }
    int correct = 0;
    try (BatchClassifier classifier = new BundleClassifier(model, manifest, TestTimeAugmentation.asEvaluated(manifest))) {
      List<Prediction> predictions = classifier.classify(slice.images(0, slice.size()));
      for (int i = 0; i < predictions.size(); i++) {
        correct += predictions.get(i).label() == slice.label(i) ? 1 : 0;
      }
    }
    double accuracy = (double) correct / slice.size();
    if (accuracy < spec.minAccuracy()) {
      throw new ModelBundleException(String.format(Locale.ROOT,
          "%s: accuracy %.4f on the bundle's %d labelled acceptance images is below its minimum %.4f (%s); the "
              + "model is not good enough to serve", directory, accuracy, slice.size(), spec.minAccuracy(), FILE));
    }
  }

  /** Ships {@code slice} in the bundle in {@code directory} with the accuracy a model must reach on it. */
  static void write(Path directory, LabelledImages slice, double minAccuracy) {
    try {
      try (DataOutputStream out = open(directory.resolve(IMAGES_FILE))) {
        out.writeInt(0x00000803);
        out.writeInt(slice.size());
        out.writeInt(SIDE);
        out.writeInt(SIDE);
        for (int i = 0; i < slice.size(); i++) {
          out.write(slice.image(i));
        }
      }
      try (DataOutputStream out = open(directory.resolve(LABELS_FILE))) {
        out.writeInt(0x00000801);
        out.writeInt(slice.size());
        for (int i = 0; i < slice.size(); i++) {
          out.writeByte(slice.label(i));
        }
      }
      ModelBundle.JSON.writeValue(directory.resolve(FILE).toFile(),
          new Spec(IMAGES_FILE, LABELS_FILE, minAccuracy));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the acceptance slice into " + directory, e);
    }
  }

  private static DataOutputStream open(Path file) throws IOException {
    return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)));
  }
}
