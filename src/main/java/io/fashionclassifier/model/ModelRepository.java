package io.fashionclassifier.model;

import com.fasterxml.jackson.core.JacksonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A directory of model bundles with pointers to the ones in use: {@code <dir>/<name>/} is a bundle (as written by
 * {@code train}), and the small text files {@code active}, {@code shadow} and {@code previous} each hold the name
 * of one of them. The stream classifier serves {@code active}, compares {@code shadow} with it, and rolling back is
 * pointing {@code active} back at {@code previous}. Classifiers record the last bundle they took up from
 * {@code active} in {@code last-good} and fall back to it when {@code active} names one they cannot load, and each
 * reports what it serves in {@code .serving/} ({@link ServingReport}), where {@code model activate} reads it.
 *
 * <p>Pointers are replaced atomically (a temporary file in the same directory, then an atomic rename), so a reader
 * sees the old name or the new one, never half of one; and they are plain files, so the choice survives restarts
 * and works on any volume every instance mounts. Knows nothing of Kafka.
 */
public final class ModelRepository {

  public static final String ACTIVE = "active";
  public static final String SHADOW = "shadow";
  public static final String PREVIOUS = "previous";
  public static final String LAST_GOOD = "last-good";
  /** A pointer holds one bundle name (at most 128 characters) and a newline; anything longer is not a pointer. */
  static final int MAX_POINTER_BYTES = 1024;

  /** Bundle names: one path segment, no pointer or temporary-file names. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Set<String> RESERVED = Set.of(ACTIVE, SHADOW, PREVIOUS, LAST_GOOD, ServingReports.DIRECTORY);

  private final Path directory;

  private ModelRepository(Path directory) {
    this.directory = directory;
  }

  /** The repository in {@code directory}; it need not hold any pointer yet. */
  public static ModelRepository at(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new ModelBundleException("model directory " + directory + " does not exist");
    }
    return new ModelRepository(directory);
  }

  /** Whether {@code directory} is a single bundle (it holds a manifest) rather than a repository of bundles. */
  public static boolean isBundle(Path directory) {
    return Files.isRegularFile(directory.resolve(ModelBundle.MANIFEST_FILE));
  }

  /** Whether {@code directory} is a repository: it has an {@code active} pointer. */
  public static boolean isRepository(Path directory) {
    return Files.isRegularFile(directory.resolve(ACTIVE));
  }

  public Path directory() {
    return directory;
  }

  /**
   * The bundle {@code pointer} names, or empty when the pointer is absent or empty. A pointer holds one name, so
   * no more than {@link #MAX_POINTER_BYTES} of it are read, whatever the file holds.
   */
  public Optional<String> pointer(String pointer) {
    Path file = directory.resolve(pointer);
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_POINTER_BYTES + 1);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    if (bytes.length > MAX_POINTER_BYTES) {
      throw new ModelBundleException(file + " holds more than " + MAX_POINTER_BYTES + " bytes: not a bundle name;"
          + " write it with 'model activate NAME' or 'model shadow NAME'");
    }
    String name = new String(bytes, StandardCharsets.UTF_8).trim();
    return name.isEmpty() ? Optional.empty() : Optional.of(name);
  }

  public Optional<String> active() {
    return pointer(ACTIVE);
  }

  public Optional<String> shadow() {
    return pointer(SHADOW);
  }

  public Optional<String> previous() {
    return pointer(PREVIOUS);
  }

  /** The bundle a classifier last took up from {@code active}: what classifiers fall back to (see ModelWatcher). */
  public Optional<String> lastGood() {
    return pointer(LAST_GOOD);
  }

  /**
   * Records that bundle {@code name} was loaded, checked and served as the active one; a classifier that cannot
   * load what {@code active} names at start serves this instead. Throws UncheckedIOException when the directory is
   * not writable (a read-only volume): callers carry on without the record.
   */
  public void recordLastGood(String name) {
    bundle(name);
    if (!lastGood().filter(name::equals).isPresent()) {
      write(LAST_GOOD, name);
    }
  }

  /** The directory of bundle {@code name}; throws for a name that is not one path segment. */
  public Path bundle(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new ModelBundleException("'" + name + "' is not a bundle name (letters, digits, '.', '_', '-')");
    }
    if (RESERVED.contains(name)) {
      throw new ModelBundleException("'" + name + "' names a pointer or the serving reports of the repository, not a "
          + "bundle: choose another name");
    }
    return directory.resolve(name);
  }

  /**
   * Points {@code active} at {@code name}; the bundle that was active becomes {@code previous}, and a shadow of the
   * same name stops (it is now what it was compared with). Does not load the bundle: callers check it first.
   */
  public void activate(String name) {
    requireBundle(name);
    Optional<String> current = active();
    if (current.isPresent() && !current.get().equals(name)) {
      write(PREVIOUS, current.get());
    }
    write(ACTIVE, name);
    if (shadow().filter(name::equals).isPresent()) {
      clear(SHADOW);
    }
  }

  /** Points {@code active} back at {@code previous}, which becomes the new {@code previous}. */
  public String rollback() {
    String target = previous().orElseThrow(() -> new ModelBundleException(
        "nothing to roll back to: " + directory.resolve(PREVIOUS) + " is not set"));
    activate(target);
    return target;
  }

  /** Starts comparing bundle {@code name} with the active one. */
  public void shadow(String name) {
    requireBundle(name);
    write(SHADOW, name);
  }

  /** Stops shadowing. */
  public void stopShadow() {
    clear(SHADOW);
  }

  /** A bundle in the repository and what its manifest says (null when it has none or an unreadable one). */
  public record Entry(String name, Manifest manifest, String problem) {}

  /** Every bundle directory, by name. */
  public List<Entry> list() {
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(directory, Files::isDirectory)) {
      for (Path child : children) {
        String name = child.getFileName().toString();
        if (!NAME.matcher(name).matches()) {
          continue;
        }
        Path manifest = child.resolve(ModelBundle.MANIFEST_FILE);
        if (!Files.isRegularFile(manifest)) {
          entries.add(new Entry(name, null, "no " + ModelBundle.MANIFEST_FILE));
          continue;
        }
        try {
          entries.add(new Entry(name, ModelBundle.JSON.readValue(manifest.toFile(), Manifest.class), null));
        } catch (JacksonException e) {
          entries.add(new Entry(name, null, "invalid manifest: " + e.getOriginalMessage()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory, e);
    }
    entries.sort(Comparator.comparing(Entry::name));
    return entries;
  }

  private void requireBundle(String name) {
    if (!isBundle(bundle(name))) {
      throw new ModelBundleException(directory.resolve(name) + " is not a model bundle (no "
          + ModelBundle.MANIFEST_FILE + "); copy one there first, e.g. 'train --out " + directory.resolve(name) + "'");
    }
  }

  /** Replaces a pointer atomically: a reader sees the old name or the new, never a torn write. */
  private void write(String pointer, String name) {
    Path target = directory.resolve(pointer);
    try {
      Path temporary = Files.createTempFile(directory, "." + pointer + "-", ".tmp");
      try {
        Files.writeString(temporary, name + "\n", StandardCharsets.UTF_8);
        // a temporary file is private to its writer; a pointer is for every classifier, which may run as another
        // user than whoever moved it (a rollout Job, an operator's shell)
        if (Files.getFileStore(temporary).supportsFileAttributeView(PosixFileAttributeView.class)) {
          Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
        }
        try {
          Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          throw new ModelBundleException(directory + " does not support atomic renames; put the model repository "
              + "on a local or POSIX file system");
        }
      } finally {
        Files.deleteIfExists(temporary);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  private void clear(String pointer) {
    try {
      Files.deleteIfExists(directory.resolve(pointer));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + directory.resolve(pointer), e);
    }
  }
}
