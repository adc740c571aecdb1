package io.fashionclassifier.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The files a bundle is made of, read within bounds: names its JSON files give must stay inside the bundle, and
 * no file is read, or allocated for, beyond what a bundle may hold.
 */
final class BundleFiles {

  private BundleFiles() {}

  /** {@code directory}'s file {@code name}, which must be a plain file name (no directory, no '..'). */
  static Path inside(Path directory, String name, String what) {
    if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
        || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0 || name.length() > 255) {
      throw new ModelBundleException(directory + ": " + what + " '" + printable(name)
          + "' is not the name of a file inside the bundle");
    }
    return directory.resolve(name);
  }

  /**
   * The content of {@code file}, refused when it holds more than {@code max} bytes; never allocates more than
   * {@code max + 1} bytes, however large the file is or grows.
   */
  static byte[] readBounded(Path file, int max) throws IOException {
    long size = Files.size(file);
    byte[] bytes;
    if (size <= max) {
      try (InputStream in = Files.newInputStream(file)) {
        bytes = in.readNBytes(max + 1);
      }
      size = bytes.length;
    } else {
      bytes = null;
    }
    if (size > max) {
      throw new ModelBundleException(file + ": " + size + " bytes, more than the " + max
          + " such a file may hold in a bundle");
    }
    return bytes;
  }

  /**
   * Refuses the bundle when the files it is made of (manifest, parameters, acceptance files, calibration) hold more than
   * {@link ModelBundle#MAX_BUNDLE_BYTES} together; only their sizes are read.
   */
  static void checkTotalSize(Path directory, Manifest manifest) {
    List<Path> files = new ArrayList<>();
    files.add(directory.resolve(ModelBundle.MANIFEST_FILE));
    files.add(inside(directory, manifest.parametersFile(), ModelBundle.MANIFEST_FILE + " parameters_file"));
    files.addAll(AcceptanceCheck.files(directory));
    files.add(directory.resolve(Calibration.FILE));
    long total = 0;
    for (Path file : files) {
      try {
        total += Files.isRegularFile(file) ? Files.size(file) : 0;
      } catch (IOException e) {
        throw ModelBundleException.unreadable(file + ": cannot read its size: " + e.getMessage(), e);
      }
    }
    if (total > ModelBundle.MAX_BUNDLE_BYTES) {
      throw new ModelBundleException(String.format(Locale.ROOT, "%s: the bundle's files hold %d bytes, more than"
          + " the %d a bundle may hold; it is not one written by 'train'", directory, total,
          ModelBundle.MAX_BUNDLE_BYTES));
    }
  }

  private static String printable(String name) {
    if (name == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    name.codePoints().limit(80).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format(Locale.ROOT, "\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
