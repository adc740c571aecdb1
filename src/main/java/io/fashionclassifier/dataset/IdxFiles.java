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
  private static final int IMAGES_HEADER_BYTES = 16;
  private static final int LABELS_HEADER_BYTES = 8;
  /** The largest array a JVM allocates (a few bytes under Integer.MAX_VALUE). */
  private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  private IdxFiles() {}

  /** Reads an image file; every dimension is checked against {@code expectedRows} x {@code expectedColumns}. */
  public static ImagesFile readImages(Path file, int expectedRows, int expectedColumns) {
    return readImages(file, expectedRows, expectedColumns, Integer.MAX_VALUE);
  }

  /**
   * Reads an image file of at most {@code maxCount} images. Nothing is allocated from the header's count: a raw
   * file must hold what its header claims before anything is read, and a gzipped one is read as far as it goes,
   * so a header that claims gigabytes costs about what the file really holds.
   */
  public static ImagesFile readImages(Path file, int expectedRows, int expectedColumns, int maxCount) {
    try (Opened opened = open(file)) {
      DataInputStream in = opened.in();
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
      if (count > maxCount) {
        throw corrupt(file, "header says " + count + " images, more than the " + maxCount + " accepted here");
      }
      long bytes = (long) count * rows * columns;
      String what = count + " images of " + rows + "x" + columns;
      byte[] pixels = readExactly(opened, IMAGES_HEADER_BYTES, bytes, file, what);
      return new ImagesFile(pixels, count, rows, columns);
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  /** Reads a label file; every label must be in {@code [0, classes)}. */
  public static byte[] readLabels(Path file, int classes) {
    return readLabels(file, classes, Integer.MAX_VALUE);
  }

  /** Reads a label file of at most {@code maxCount} labels, allocating no more than the file holds. */
  public static byte[] readLabels(Path file, int classes, int maxCount) {
    try (Opened opened = open(file)) {
      DataInputStream in = opened.in();
      int magic = in.readInt();
      if (magic != LABELS_MAGIC) {
        throw corrupt(file, String.format("wrong magic number 0x%08x, expected 0x%08x (IDX labels)", magic, LABELS_MAGIC));
      }
      int count = in.readInt();
      if (count < 0) {
        throw corrupt(file, "negative label count " + count);
      }
      if (count > maxCount) {
        throw corrupt(file, "header says " + count + " labels, more than the " + maxCount + " accepted here");
      }
      byte[] labels = readExactly(opened, LABELS_HEADER_BYTES, count, file, count + " labels");
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

  /** An open IDX file: its stream, whether it is gzipped, and its size on disk. */
  private record Opened(DataInputStream in, boolean gzip, long size) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  private static Opened open(Path file) throws IOException {
    InputStream raw;
    long size;
    try {
      size = Files.size(file);
      raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    } catch (NoSuchFileException e) {
      throw new DatasetException(file + ": file not found");
    }
    raw.mark(2);
    int first = raw.read();
    int second = raw.read();
    raw.reset();
    boolean gzip = first == 0x1f && second == 0x8b;
    DataInputStream in = new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    return new Opened(in, gzip, size);
  }

  /**
   * The {@code length} bytes after the header. A raw file's size says up front whether they are there; a gzipped
   * file's does not, so it is read in chunks (InputStream.readNBytes), and what is allocated grows with what was
   * actually decompressed.
   */
  private static byte[] readExactly(Opened opened, int headerBytes, long length, Path file, String what)
      throws IOException {
    if (!opened.gzip() && opened.size() - headerBytes < length) {
      throw corrupt(file, "truncated: header promises " + what + " (" + length + " bytes), the file holds only "
          + Math.max(0, opened.size() - headerBytes));
    }
    if (length > MAX_ARRAY_BYTES) {
      throw corrupt(file, "header promises " + what + " (" + length + " bytes), more than one array holds");
    }
    byte[] bytes = opened.in().readNBytes((int) length);
    if (bytes.length < length) {
      throw corrupt(file, "truncated: header promises " + what + " (" + length + " bytes), found only "
          + bytes.length);
    }
    return bytes;
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
