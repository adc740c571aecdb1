package io.fashionclassifier.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import java.io.ByteArrayInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained model on disk: {@code manifest.json} plus the DJL parameters file it names. Loading rebuilds the
 * network from the manifest's architecture, checks the parameters against the manifest's version (their
 * content hash) and runs a {@link SmokeCheck} (class list, input shape, output width, one forward pass) and, when
 * the bundle ships one, its {@link AcceptanceCheck} (a minimum accuracy on a labelled slice), so a half-copied or
 * mismatched bundle fails at start-up rather than giving wrong answers.
 *
 * <pre>{@code
 * try (ModelBundle bundle = ModelBundle.load(Path.of("models/default"));
 *     BatchClassifier classifier = bundle.newClassifier()) {
 *   List<Prediction> predictions = classifier.classify(images);
 * }
 * }</pre>
 */
public final class ModelBundle implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ModelBundle.class);

  public static final String MANIFEST_FILE = "manifest.json";
  public static final String PARAMETERS_FILE = "model.params";
  public static final String MODEL_NAME = "fashion-classifier";
  private static final int VERSION_HEX_DIGITS = 12;
  /**
   * The most a bundle's manifest, or its {@code acceptance.json}, may hold: a manifest is a few hundred bytes, so
   * this only keeps a hostile one from filling the heap.
   */
  public static final int MAX_JSON_BYTES = 1 << 20;
  /**
   * The most the files a bundle is made of (manifest, parameters, acceptance slice) may hold together: the largest
   * network's parameters are about 3.5 MB and the largest acceptance slice about 8 MB, so this is far above any
   * real bundle and far below a classifier's heap. Checked from the files' sizes before any is read.
   */
  public static final long MAX_BUNDLE_BYTES = 64L << 20;

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Manifest manifest;
  private final Model model;
  private final Calibration calibration;

  private ModelBundle(Manifest manifest, Model model, Calibration calibration) {
    this.manifest = manifest;
    this.model = model;
    this.calibration = calibration;
  }

  /**
   * Loads the bundle in {@code directory}; throws {@link ModelBundleException} when it is missing, corrupt, or
   * fails the {@link SmokeCheck} or its {@link AcceptanceCheck}.
   *
   * <p>Nothing is allocated from a count or length in the bundle's files before it is checked against what the
   * files hold: the manifest and {@code acceptance.json} are read only up to {@link #MAX_JSON_BYTES}, the
   * parameters only at the exact size the architecture's {@link ParameterLayout} has, and checked against that
   * layout before DJL reads them, the acceptance slice only up to {@link AcceptanceCheck#MAX_IMAGES} images; and
   * the files the bundle is made of may not exceed {@link #MAX_BUNDLE_BYTES} together. Whatever goes wrong, the
   * native model is closed before the exception leaves.
   */
  public static ModelBundle load(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new ModelBundleException("model directory " + directory
          + " does not exist; train one with 'train --out " + directory + "'");
    }
    Manifest manifest = readManifest(directory);
    Architecture architecture;
    try {
      architecture = Architecture.fromId(manifest.architecture());
    } catch (IllegalArgumentException e) {
      throw new ModelBundleException(directory.resolve(MANIFEST_FILE) + ": " + e.getMessage());
    }
    Path parameters = BundleFiles.inside(directory, manifest.parametersFile(), MANIFEST_FILE + " parameters_file");
    if (!Files.isRegularFile(parameters)) {
      throw new ModelBundleException(parameters + ": parameters file not found; the bundle is incomplete");
    }
    BundleFiles.checkTotalSize(directory, manifest);
    ParameterLayout layout = ParameterLayout.of(architecture);
    byte[] bytes = layout.read(parameters);
    String actualVersion = versionOf(bytes);
    if (!actualVersion.equals(manifest.version())) {
      throw new ModelBundleException(parameters + ": content hash " + actualVersion
          + " does not match manifest version " + manifest.version() + "; the bundle is corrupt or mixed up");
    }
    layout.check(parameters, bytes);
    Calibration calibration = Calibration.read(directory).orElse(null);
    if (calibration == null) {
      log.warn("{} has no {}: its model-health figures have no drift scores and an uncalibrated estimated "
          + "accuracy; fit one with 'model calibrate'", directory, Calibration.FILE);
    }
    Model model = Model.newInstance(manifest.name(), Device.cpu());
    try {
      // the bytes checked and hashed are the bytes DJL reads: the file may change meanwhile, they do not
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        Block block = architecture.newBlock();
        block.loadParameters(model.getNDManager(), in);
        model.setBlock(block);
      } catch (IOException | MalformedModelException | RuntimeException e) {
        throw new ModelBundleException(parameters + ": cannot load parameters for architecture '"
            + architecture.id() + "': " + e.getMessage(), e);
      }
      try {
        SmokeCheck.check(directory, manifest, model);
        AcceptanceCheck.check(directory, manifest, model);
      } catch (ModelBundleException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new ModelBundleException(directory + ": checking the bundle failed: " + e, e);
      }
    } catch (Throwable e) {
      // whatever it is, the native memory of a model that will not serve goes back now
      model.close();
      throw e;
    }
    log.info("Loaded model {} version {} ({}, flip TTA {}) from {}",
        manifest.name(), manifest.version(), manifest.architecture(), manifest.flipTta(), directory);
    return new ModelBundle(manifest, model, calibration);
  }

  /**
   * Writes {@code block}'s parameters and a manifest into {@code directory} (created if needed) and returns the
   * manifest, whose version is the parameters' content hash. {@code testAccuracy} may be null.
   */
  public static Manifest save(Path directory, Block block, Architecture architecture, boolean flipTta,
      Map<String, Object> training, Double testAccuracy) {
    try {
      Files.createDirectories(directory);
      Path parameters = directory.resolve(PARAMETERS_FILE);
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(parameters)))) {
        block.saveParameters(out);
      }
      Engine engine = Engine.getInstance();
      Manifest manifest = new Manifest(
          Manifest.FORMAT_VERSION,
          MODEL_NAME,
          versionOf(parameters),
          architecture.id(),
          PARAMETERS_FILE,
          List.of(1, 28, 28),
          Manifest.Normalization.FASHION_MNIST,
          FashionMnist.CLASS_NAMES,
          flipTta,
          Engine.getDjlVersion(),
          engine.getEngineName(),
          engine.getVersion(),
          Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
          training,
          testAccuracy);
      writeManifest(directory, manifest);
      return manifest;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write model bundle to " + directory, e);
    }
  }

  /**
   * Ships a labelled slice in the bundle in {@code directory}: from then on the bundle loads only if its model
   * classifies at least {@code minAccuracy} of the slice correctly (see docs/stream-classifier.md, Rollout).
   */
  public static void writeAcceptanceSlice(Path directory, LabelledImages slice, double minAccuracy) {
    AcceptanceCheck.write(directory, slice, minAccuracy);
  }

  /** Replaces the manifest of the bundle in {@code directory}, e.g. to record its test accuracy. */
  public static void writeManifest(Path directory, Manifest manifest) {
    try {
      JSON.writeValue(directory.resolve(MANIFEST_FILE).toFile(), manifest);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + directory.resolve(MANIFEST_FILE), e);
    }
  }

  public Manifest manifest() {
    return manifest;
  }

  /**
   * The bundle's temperature and validation reference ({@code calibration.json}), empty for a bundle without one
   * (written before calibration existed, or by hand).
   */
  public Optional<Calibration> calibration() {
    return Optional.ofNullable(calibration);
  }

  /** The bundle's version: short SHA-256 of its parameters file. */
  public String version() {
    return manifest.version();
  }

  /**
   * A new classifier with its own DJL predictor, predicting the way the bundle was evaluated (with flip
   * test-time augmentation when the manifest says so); not thread-safe, so take one per thread.
   */
  public BatchClassifier newClassifier() {
    return newClassifier(TestTimeAugmentation.asEvaluated(manifest));
  }

  /**
   * A new classifier that does ({@code true}) or does not average each prediction with that of the mirrored
   * image. Switching it off halves the model's work for a few tenths of a percent of accuracy (see
   * docs/benchmarks.md); the bundle's {@code test_accuracy} holds for {@link #newClassifier()} only.
   */
  public BatchClassifier newClassifier(boolean flipTta) {
    return newClassifier(TestTimeAugmentation.flipOnly(flipTta));
  }

  /**
   * A classifier over a model that is only in memory, such as one being trained, to compare parameters before
   * they are saved; its version is {@code "unsaved"}.
   */
  public static BatchClassifier classifierOf(Model model, TestTimeAugmentation augmentation) {
    return new BundleClassifier(model, "unsaved", Manifest.Normalization.FASHION_MNIST, augmentation);
  }

  /** A new classifier averaging the given views of each image; the model's work grows with their number. */
  public BatchClassifier newClassifier(TestTimeAugmentation augmentation) {
    return new BundleClassifier(model, manifest, augmentation);
  }

  @Override
  public void close() {
    model.close();
  }

  private static Manifest readManifest(Path directory) {
    Path file = directory.resolve(MANIFEST_FILE);
    if (!Files.isRegularFile(file)) {
      throw new ModelBundleException(file + " not found; " + directory + " is not a model bundle");
    }
    Manifest manifest;
    try {
      manifest = JSON.readValue(BundleFiles.readBounded(file, MAX_JSON_BYTES), Manifest.class);
    } catch (JacksonException e) {
      throw new ModelBundleException(file + ": not a valid manifest: " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw ModelBundleException.unreadable(file + ": cannot read: " + e.getMessage(), e);
    }
    if (manifest == null || manifest.version() == null || manifest.parametersFile() == null
        || manifest.architecture() == null || manifest.normalization() == null || manifest.classNames() == null) {
      throw new ModelBundleException(
          file + ": incomplete manifest (needs version, architecture, parameters_file, normalization, class_names)");
    }
    return manifest;
  }

  private static String firstLine(String message) {
    String text = String.valueOf(message);
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private static String versionOf(Path file) {
    MessageDigest digest = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new ModelBundleException(file + ": cannot read: " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(digest.digest()).substring(0, VERSION_HEX_DIGITS);
  }

  private static String versionOf(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes)).substring(0, VERSION_HEX_DIGITS);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
