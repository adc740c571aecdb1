package io.fashionclassifier.model;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Turns a photo (PNG, JPEG, any size or colour) into the 28x28 grayscale input the model was trained on,
 * following how Fashion-MNIST was made: the item is cropped to its bounding box, scaled so that its longer
 * side fills the frame (aspect ratio kept), centred, light on a dark background. A 28x28 image is taken as
 * already in that form and only converted to grayscale. Product photos are usually dark-on-light: pass
 * {@code invert}. {@link Normalizer} then turns those bytes into the network's input, the same way for
 * training and for inference.
 */
public final class ImagePreprocessing {

  public static final int SIZE = 28;
  /** Pixels darker than this (0-255, after optional inversion) count as background when cropping. */
  private static final int BACKGROUND_THRESHOLD = 24;

  private ImagePreprocessing() {}

  /**
   * Scales 8-bit pixels to [0, 1] and normalises them as {@code (x - mean) / std}: the one place that does, so
   * the trainer and {@link BatchClassifier} cannot disagree. One table lookup per pixel.
   */
  public static final class Normalizer {
    private final float[] byteToInput = new float[256];

    public Normalizer(Manifest.Normalization normalization) {
      for (int value = 0; value < 256; value++) {
        byteToInput[value] = (value / 255f - normalization.mean()) / normalization.std();
      }
    }

    /**
     * Writes the normalised {@code SIZE x SIZE} image starting at {@code pixels[from]} into {@code target} at
     * {@code offset}, mirrored left to right when {@code mirror} is set.
     */
    public void normalize(byte[] pixels, int from, float[] target, int offset, boolean mirror) {
      for (int row = 0; row < SIZE; row++) {
        int source = from + row * SIZE;
        int destination = offset + row * SIZE;
        for (int column = 0; column < SIZE; column++) {
          int sourceColumn = mirror ? SIZE - 1 - column : column;
          target[destination + column] = byteToInput[pixels[source + sourceColumn] & 0xff];
        }
      }
    }

    /**
     * As {@link #normalize(byte[], int, float[], int, boolean)}, then moved {@code dx} columns right and
     * {@code dy} rows down; the pixels moved in from outside the frame are background (byte 0), as
     * Fashion-MNIST's borders are.
     */
    public void normalize(byte[] pixels, int from, float[] target, int offset, boolean mirror, int dx, int dy) {
      if (dx == 0 && dy == 0) {
        normalize(pixels, from, target, offset, mirror);
        return;
      }
      float background = byteToInput[0];
      for (int row = 0; row < SIZE; row++) {
        int sourceRow = row - dy;
        int destination = offset + row * SIZE;
        for (int column = 0; column < SIZE; column++) {
          int shiftedColumn = column - dx;
          if (sourceRow < 0 || sourceRow >= SIZE || shiftedColumn < 0 || shiftedColumn >= SIZE) {
            target[destination + column] = background;
          } else {
            int sourceColumn = mirror ? SIZE - 1 - shiftedColumn : shiftedColumn;
            target[destination + column] = byteToInput[pixels[from + sourceRow * SIZE + sourceColumn] & 0xff];
          }
        }
      }
    }
  }

  /** Reads an image file; throws IOException when it is missing or not an image ImageIO can decode. */
  public static byte[] read(Path file, boolean invert) throws IOException {
    BufferedImage image = ImageIO.read(file.toFile());
    if (image == null) {
      throw new IOException(file + ": not a PNG, JPEG, GIF or BMP image");
    }
    return toModelInput(image, invert);
  }

  /** The 784 row-major grayscale bytes of {@code image} as the model expects them. */
  public static byte[] toModelInput(BufferedImage image, boolean invert) {
    int[][] gray = grayscale(image, invert);
    int height = gray.length;
    int width = gray[0].length;
    if (width == SIZE && height == SIZE) {
      byte[] pixels = new byte[SIZE * SIZE];
      for (int y = 0; y < SIZE; y++) {
        for (int x = 0; x < SIZE; x++) {
          pixels[y * SIZE + x] = (byte) gray[y][x];
        }
      }
      return pixels;
    }
    return fitIntoFrame(gray);
  }

  private static int[][] grayscale(BufferedImage image, boolean invert) {
    int width = image.getWidth();
    int height = image.getHeight();
    int[][] gray = new int[height][width];
    // Transparent pixels count as background: dark, or light for an inverted (dark-on-light) photo.
    int background = invert ? 255 : 0;
    if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
      // getRGB would treat these as linear gray and brighten them; the raster holds the file's values
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int value = image.getRaster().getSample(x, y, 0);
          gray[y][x] = invert ? 255 - value : value;
        }
      }
      return gray;
    }
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int argb = image.getRGB(x, y);
        int alpha = argb >>> 24;
        int luminance = (int) Math.round(
            0.299 * ((argb >> 16) & 0xff) + 0.587 * ((argb >> 8) & 0xff) + 0.114 * (argb & 0xff));
        int value = (luminance * alpha + background * (255 - alpha)) / 255;
        gray[y][x] = invert ? 255 - value : value;
      }
    }
    return gray;
  }

  private static byte[] fitIntoFrame(int[][] gray) {
    int height = gray.length;
    int width = gray[0].length;
    int top = height;
    int bottom = -1;
    int left = width;
    int right = -1;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        if (gray[y][x] > BACKGROUND_THRESHOLD) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
    }
    if (bottom < 0) {
      // nothing but background: keep the whole frame
      top = 0;
      left = 0;
      bottom = height - 1;
      right = width - 1;
    }
    int cropWidth = right - left + 1;
    int cropHeight = bottom - top + 1;
    // RGB rather than TYPE_BYTE_GRAY: Java2D treats the latter as linear gray and would shift every value.
    BufferedImage crop = new BufferedImage(cropWidth, cropHeight, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < cropHeight; y++) {
      for (int x = 0; x < cropWidth; x++) {
        int v = gray[top + y][left + x];
        crop.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    double scale = (double) SIZE / Math.max(cropWidth, cropHeight);
    int scaledWidth = Math.max(1, (int) Math.round(cropWidth * scale));
    int scaledHeight = Math.max(1, (int) Math.round(cropHeight * scale));
    // Area averaging keeps thin details when shrinking a large photo, unlike nearest or bilinear sampling.
    Image scaled = crop.getScaledInstance(scaledWidth, scaledHeight, Image.SCALE_AREA_AVERAGING);
    BufferedImage frame = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = frame.createGraphics();
    try {
      g.setColor(Color.BLACK);
      g.fillRect(0, 0, SIZE, SIZE);
      g.drawImage(scaled, (SIZE - scaledWidth) / 2, (SIZE - scaledHeight) / 2, null);
    } finally {
      g.dispose();
    }
    byte[] pixels = new byte[SIZE * SIZE];
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        pixels[y * SIZE + x] = (byte) (frame.getRGB(x, y) & 0xff);
      }
    }
    return pixels;
  }
}
