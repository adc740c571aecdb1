package io.fashionclassifier.dataset;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of (Fashion-)MNIST: a big-endian header (magic {@code 0x00000803} for 3-d unsigned-byte
 * image tensors, {@code 0x00000801} for 1-d label vectors, then one 32-bit size per dimension) followed by the
 * raw bytes. Gzipped files are recognised by their own magic bytes, whatever the file name says.
 */
public final class IdxFiles {

  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;

  private IdxFiles() {}

  /** Reads an image file; every dimension is checked against {@code expectedRows} x {@code expectedColumns}. */
  public static ImagesFile readImages(Path file, int expectedRows, int expectedColumns) {
    try (DataInputStream in = open(file)) {
      int magic = in.readInt();
      if (magic != IMAGES_MAGIC) {
        throw corrupt(file, String.format("wrong magic number 0x%08x, expected 0x%08x (IDX images)", magic, IMAGES_MAGIC));
      }
      int count = in.readInt();
      int rows = in.readInt();
      int columns = in.readInt();
      if (count < 0 || rows != expectedRows || columns != expectedColumns) {
        throw corrupt(file, "header says " + count + " images of " + rows + "x" + columns
            + ", expected " + expectedRows + "x" + expectedColumns);
      }
      byte[] pixels = new byte[Math.multiplyExact(count, rows * columns)];
      readFully(in, pixels, file, count + " images of " + rows + "x" + columns);
      return new ImagesFile(pixels, count, rows, columns);
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  /** Reads a label file; every label must be in {@code [0, classes)}. */
  public static byte[] readLabels(Path file, int classes) {
    try (DataInputStream in = open(file)) {
      int magic = in.readInt();
      if (magic != LABELS_MAGIC) {
        throw corrupt(file, String.format("wrong magic number 0x%08x, expected 0x%08x (IDX labels)", magic, LABELS_MAGIC));
      }
      int count = in.readInt();
      if (count < 0) {
        throw corrupt(file, "negative label count " + count);
      }
      byte[] labels = new byte[count];
      readFully(in, labels, file, count + " labels");
      for (int i = 0; i < count; i++) {
        if (labels[i] < 0 || labels[i] >= classes) {
          throw corrupt(file, "label " + labels[i] + " at index " + i + " is outside 0-" + (classes - 1));
        }
      }
      return labels;
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  /** The images of one IDX file, row-major, back to back. */
  public record ImagesFile(byte[] pixels, int count, int rows, int columns) {}

  private static DataInputStream open(Path file) throws IOException {
    InputStream raw;
    try {
      raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    } catch (NoSuchFileException e) {
      throw new DatasetException(file + ": file not found");
    }
    raw.mark(2);
    int first = raw.read();
    int second = raw.read();
    raw.reset();
    boolean gzip = first == 0x1f && second == 0x8b;
    return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
  }

  private static void readFully(DataInputStream in, byte[] target, Path file, String what) throws IOException {
    int read = in.readNBytes(target, 0, target.length);
    if (read < target.length) {
      throw corrupt(file, "truncated: header promises " + what + " (" + target.length + " bytes), found only " + read);
    }
  }

  private static DatasetException corrupt(Path file, String problem) {
    return new DatasetException(file + ": " + problem);
  }

  private static DatasetException unreadable(Path file, IOException e) {
    if (e instanceof EOFException) {
      return corrupt(file, "truncated: the file ends inside the IDX header");
    }
    if (e instanceof ZipException || e.getMessage() != null && e.getMessage().contains("Unexpected end of ZLIB")) {
      return corrupt(file, "corrupt or truncated gzip data (" + e.getMessage() + ")");
    }
    return new DatasetException(file + ": cannot read: " + e.getMessage(), e);
  }
}
