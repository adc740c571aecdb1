package io.fashionclassifier.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdxFilesTest {

  @TempDir Path dir;

  @Test
  void readsRawImages() throws IOException {
    byte[] pixels = pixels(3, 2, 2);
    Path file = write(dir.resolve("images"), imagesFile(3, 2, 2, pixels), false);

    IdxFiles.ImagesFile images = IdxFiles.readImages(file, 2, 2);

    assertThat(images.count()).isEqualTo(3);
    assertThat(images.pixels()).isEqualTo(pixels);
  }

  @Test
  void readsGzippedFilesWhateverTheirName() throws IOException {
    byte[] pixels = pixels(2, 28, 28);
    Path file = write(dir.resolve("images-without-gz-suffix"), imagesFile(2, 28, 28, pixels), true);

    assertThat(IdxFiles.readImages(file, 28, 28).pixels()).isEqualTo(pixels);
  }

  @Test
  void readsLabels() throws IOException {
    Path file = write(dir.resolve("labels.gz"), labelsFile(new byte[] {0, 9, 3}), true);

    assertThat(IdxFiles.readLabels(file, 10)).containsExactly(0, 9, 3);
  }

  @Test
  void truncatedImagesNameTheFileAndTheProblem() throws IOException {
    byte[] complete = imagesFile(3, 2, 2, pixels(3, 2, 2));
    Path file = write(dir.resolve("images"), Arrays.copyOf(complete, complete.length - 5), false);

    assertThatThrownBy(() -> IdxFiles.readImages(file, 2, 2))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("truncated")
        .hasMessageNotContaining("\n");
  }

  @Test
  void truncatedGzipIsReportedAsCorrupt() throws IOException {
    Path whole = write(dir.resolve("whole.gz"), imagesFile(50, 28, 28, pixels(50, 28, 28)), true);
    byte[] gz = Files.readAllBytes(whole);
    Path file = Files.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));

    assertThatThrownBy(() -> IdxFiles.readImages(file, 28, 28))
        .isInstanceOf(DatasetException.class)
        .hasMessageStartingWith(file.toString())
        .hasMessageNotContaining("\n");
  }

  @Test
  void truncatedHeaderIsReported() throws IOException {
    Path file = Files.write(dir.resolve("labels"), new byte[] {0, 0, 8, 1, 0});

    assertThatThrownBy(() -> IdxFiles.readLabels(file, 10))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void wrongMagicIsReported() throws IOException {
    // a label file where an image file is expected
    Path file = write(dir.resolve("images"), labelsFile(new byte[] {1, 2}), false);

    assertThatThrownBy(() -> IdxFiles.readImages(file, 28, 28))
        .isInstanceOf(DatasetException.class)
        .hasMessage(file + ": wrong magic number 0x00000801, expected 0x00000803 (IDX images)");
  }

  @Test
  void wrongImageShapeIsReported() throws IOException {
    Path file = write(dir.resolve("images"), imagesFile(1, 32, 32, pixels(1, 32, 32)), false);

    assertThatThrownBy(() -> IdxFiles.readImages(file, 28, 28))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("1 images of 32x32, expected 28x28");
  }

  @Test
  void labelOutOfRangeIsReported() throws IOException {
    Path file = write(dir.resolve("labels"), labelsFile(new byte[] {1, 12}), false);

    assertThatThrownBy(() -> IdxFiles.readLabels(file, 10))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("label 12 at index 1");
  }

  @Test
  void missingFileIsReported() {
    Path file = dir.resolve("absent");

    assertThatThrownBy(() -> IdxFiles.readLabels(file, 10))
        .isInstanceOf(DatasetException.class)
        .hasMessage(file + ": file not found");
  }

  /**
   * Headers that claim more than the file holds, raw or gzipped, in counts up to the largest int: each is refused
   * (truncated, or more than an array holds), and reading it allocates about what the file holds, not what its header claims.
   */
  @ParameterizedTest
  @CsvSource({
    "2000000, false", "2000000, true", "2147483647, false", "2147483647, true", "2739128, false"
  })
  void aCountBeyondWhatTheFileHoldsIsRefusedWithoutAllocatingIt(int count, boolean gzip) throws IOException {
    Path images = write(dir.resolve("images"), imagesFile(count, 28, 28, pixels(2, 28, 28)), gzip);
    byte[] claimedLabels = labelsFile(new byte[] {1, 2, 3});
    ByteBuffer.wrap(claimedLabels).putInt(4, count);
    Path labels = write(dir.resolve("labels"), claimedLabels, gzip);

    long imagesAllocated = allocatedBy(() -> assertThatThrownBy(() -> IdxFiles.readImages(images, 28, 28))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("header promises")
        .hasMessageNotContaining("\n"));
    long labelsAllocated = allocatedBy(() -> assertThatThrownBy(() -> IdxFiles.readLabels(labels, 10))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("header promises"));

    assertThat(imagesAllocated).as("bytes allocated reading the images").isLessThan(4L << 20);
    assertThat(labelsAllocated).as("bytes allocated reading the labels").isLessThan(4L << 20);
  }

  @Test
  void aFileWithMoreImagesThanTheReaderAcceptsIsRefusedBeforeReadingThem() throws IOException {
    Path file = write(dir.resolve("images"), imagesFile(3, 28, 28, pixels(3, 28, 28)), true);

    assertThatThrownBy(() -> IdxFiles.readImages(file, 28, 28, 2))
        .isInstanceOf(DatasetException.class)
        .hasMessage(file + ": header says 3 images, more than the 2 accepted here");
  }

  /** Bytes of heap this thread allocated while {@code action} ran. */
  private static long allocatedBy(Runnable action) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    action.run();
    return threads.getCurrentThreadAllocatedBytes() - before;
  }

  static byte[] pixels(int count, int rows, int columns) {
    byte[] pixels = new byte[count * rows * columns];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 7);
    }
    return pixels;
  }

  static byte[] imagesFile(int count, int rows, int columns, byte[] pixels) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(IdxFiles.IMAGES_MAGIC);
    out.writeInt(count);
    out.writeInt(rows);
    out.writeInt(columns);
    out.write(pixels);
    return bytes.toByteArray();
  }

  static byte[] labelsFile(byte[] labels) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(IdxFiles.LABELS_MAGIC);
    out.writeInt(labels.length);
    out.write(labels);
    return bytes.toByteArray();
  }

  static Path write(Path file, byte[] content, boolean gzip) throws IOException {
    try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      out.write(content);
    }
    return file;
  }
}
