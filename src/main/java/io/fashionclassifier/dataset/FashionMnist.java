package io.fashionclassifier.dataset;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Fashion-MNIST dataset (Xiao, Rasul and Vollgraf, 2017): 60,000 training and 10,000 test images of
 * 28x28 grayscale clothing, light item on a dark background, ten classes.
 *
 * @param train the 60,000 training images
 * @param test the 10,000 test images
 */
public record FashionMnist(LabelledImages train, LabelledImages test) {

  private static final Logger log = LoggerFactory.getLogger(FashionMnist.class);

  public static final int ROWS = 28;
  public static final int COLUMNS = 28;
  public static final int PIXELS = ROWS * COLUMNS;

  /** Class names in label order, as published with the dataset. */
  public static final List<String> CLASS_NAMES = List.of(
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  /** Environment variable naming the dataset directory when {@code --data} is not given. */
  public static final String DIRECTORY_ENV = "FASHION_MNIST_DIR";
  /** Environment variable: base URL of the online fallback, or {@code off}; default {@link #OFFICIAL_URL}. */
  public static final String URL_ENV = "FASHION_MNIST_URL";
  /** Environment variable: where the online fallback keeps its files; default {@link #cacheDirectory}. */
  public static final String CACHE_ENV = "FASHION_MNIST_CACHE";
  /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
  public static final Path SYSTEM_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
  /** Where the dataset's authors publish the files. */
  public static final String OFFICIAL_URL = DatasetDownload.OFFICIAL_URL.toString();

  static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
  private static final int TRAIN_SIZE = 60_000;
  private static final int TEST_SIZE = 10_000;

  private static final String HOW_TO_GET =
      "install the Debian package dataset-fashion-mnist, or download the four *-ubyte.gz files from "
          + "https://github.com/zalandoresearch/fashion-mnist and pass their directory with --data DIR "
          + "or " + DIRECTORY_ENV;

  /**
   * Loads the dataset from the first place that has it (see {@link #locate(Path, Map)}).
   */
  public static FashionMnist load(Path explicitDirectory) {
    return loadFrom(locate(explicitDirectory, System.getenv()));
  }

  /**
   * The directory to read: {@code explicitDirectory} (the {@code --data} option) if given, else
   * {@code $FASHION_MNIST_DIR}, else {@code /usr/share/datasets/fashion-mnist}, else the download cache
   * ({@code $FASHION_MNIST_CACHE}), filled from {@code $FASHION_MNIST_URL} (the official files by default; each
   * file's MD5 checked against the published one) unless that is {@code off}.
   */
  public static Path locate(Path explicitDirectory, Map<String, String> environment) {
    return locate(explicitDirectory, environment, SYSTEM_DIRECTORY, DatasetDownload.OFFICIAL_MD5);
  }

  static Path locate(Path explicitDirectory, Map<String, String> environment, Path systemDirectory,
      Map<String, String> md5ByFile) {
    if (explicitDirectory != null) {
      if (!Files.isDirectory(explicitDirectory)) {
        throw new DatasetException("dataset directory " + explicitDirectory + " does not exist; " + HOW_TO_GET);
      }
      return explicitDirectory;
    }
    String fromEnvironment = environment.get(DIRECTORY_ENV);
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      Path directory = Path.of(fromEnvironment);
      if (!Files.isDirectory(directory)) {
        throw new DatasetException(
            DIRECTORY_ENV + "=" + directory + " does not exist; " + HOW_TO_GET);
      }
      return directory;
    }
    if (Files.isDirectory(systemDirectory)) {
      return systemDirectory;
    }
    String notFound = "Fashion-MNIST not found (no --data, no " + DIRECTORY_ENV + ", no " + systemDirectory + ")";
    String url = environment.getOrDefault(URL_ENV, OFFICIAL_URL).trim();
    if (url.equalsIgnoreCase("off")) {
      throw new DatasetException(notFound + " and " + URL_ENV + "=off; " + HOW_TO_GET);
    }
    Path cache = cacheDirectory(environment);
    DatasetDownload download;
    try {
      download = new DatasetDownload(URI.create(url), md5ByFile);
    } catch (IllegalArgumentException e) {
      throw new DatasetException(URL_ENV + "=" + url + " is not a URL; " + HOW_TO_GET, e);
    }
    try {
      return download.into(cache);
    } catch (DatasetException e) {
      throw new DatasetException(notFound + "; the download fallback failed: " + e.getMessage() + "; " + HOW_TO_GET
          + " (or " + URL_ENV + "=<mirror>)", e);
    }
  }

  /** {@code $FASHION_MNIST_CACHE}, else {@code $XDG_CACHE_HOME/fashion-classifier/fashion-mnist}, else under ~/.cache. */
  static Path cacheDirectory(Map<String, String> environment) {
    String explicit = environment.get(CACHE_ENV);
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = environment.get("XDG_CACHE_HOME");
    Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return root.resolve("fashion-classifier").resolve("fashion-mnist");
  }

  /** Loads the four IDX files from {@code directory}, gzipped ({@code .gz}) or not. */
  public static FashionMnist loadFrom(Path directory) {
    long start = System.nanoTime();
    LabelledImages train = read(directory, TRAIN_IMAGES, TRAIN_LABELS, TRAIN_SIZE);
    LabelledImages test = read(directory, TEST_IMAGES, TEST_LABELS, TEST_SIZE);
    log.info("Loaded Fashion-MNIST from {} in {} ms", directory, (System.nanoTime() - start) / 1_000_000);
    return new FashionMnist(train, test);
  }

  private static LabelledImages read(Path directory, String imagesName, String labelsName, int expectedCount) {
    Path imagesFile = find(directory, imagesName);
    Path labelsFile = find(directory, labelsName);
    IdxFiles.ImagesFile images = IdxFiles.readImages(imagesFile, ROWS, COLUMNS);
    byte[] labels = IdxFiles.readLabels(labelsFile, CLASS_NAMES.size());
    if (images.count() != expectedCount) {
      throw new DatasetException(imagesFile + ": holds " + images.count() + " images, Fashion-MNIST has " + expectedCount);
    }
    if (labels.length != expectedCount) {
      throw new DatasetException(labelsFile + ": holds " + labels.length + " labels, Fashion-MNIST has " + expectedCount);
    }
    return new LabelledImages(images.pixels(), labels, ROWS, COLUMNS);
  }

  private static Path find(Path directory, String baseName) {
    for (String name : List.of(baseName + ".gz", baseName)) {
      Path candidate = directory.resolve(name);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new DatasetException(directory.resolve(baseName + ".gz") + ": file not found (nor without .gz); "
        + HOW_TO_GET);
  }
}
