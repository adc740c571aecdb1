package io.fashionclassifier.dataset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Grayscale images with their labels, kept in memory as one row-major byte array: image {@code i} occupies
 * bytes {@code [i * pixelsPerImage, (i + 1) * pixelsPerImage)}. 60,000 Fashion-MNIST images take 47 MB.
 *
 * @param pixels all images back to back, 8-bit unsigned
 * @param labels one label (0-9) per image
 * @param rows image height
 * @param columns image width
 */
public record LabelledImages(byte[] pixels, byte[] labels, int rows, int columns) {

  public LabelledImages {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    if ((long) labels.length * rows * columns != pixels.length) {
      throw new IllegalArgumentException(
          labels.length + " labels do not match " + pixels.length + " bytes of " + rows + "x" + columns + " images");
    }
  }

  public int size() {
    return labels.length;
  }

  public int pixelsPerImage() {
    return rows * columns;
  }

  /** A copy of image {@code index}. */
  public byte[] image(int index) {
    int length = pixelsPerImage();
    return Arrays.copyOfRange(pixels, index * length, (index + 1) * length);
  }

  public int label(int index) {
    return labels[index];
  }

  /** Copies of images {@code [from, to)}, e.g. to hand a batch to a {@code BatchClassifier}. */
  public List<byte[]> images(int from, int to) {
    List<byte[]> images = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      images.add(image(i));
    }
    return images;
  }

  /** Images {@code [from, to)} as a new set (copied). */
  public LabelledImages slice(int from, int to) {
    if (from < 0 || to > size() || from > to) {
      throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + size() + " images");
    }
    int length = pixelsPerImage();
    return new LabelledImages(
        Arrays.copyOfRange(pixels, from * length, to * length),
        Arrays.copyOfRange(labels, from, to),
        rows,
        columns);
  }
}
