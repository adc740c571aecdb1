package io.fashionclassifier.scanner;

import java.util.Random;

/**
 * Ways a real scanner goes wrong while its records stay valid, to show the label-free health figures and drift
 * alarms: the classifier still answers, confidently or not, and only the figures of that scanner can tell.
 */
public enum ScannerFault {
  /** The lamp failed: every pixel at a third of its brightness. */
  DARK,
  /** A firmware update flipped the polarity: dark items on a light background. */
  INVERTED,
  /** The camera was re-mounted a quarter turn off. */
  ROTATED,
  /** The lens is out of focus: two passes of a 3x3 box blur. */
  BLURRED,
  /** A failing sensor: Gaussian noise of standard deviation 60 grey levels on every pixel. */
  NOISY,
  /** The scanner was moved to the footwear line: it sees only sandals, sneakers and ankle boots. */
  PRODUCT_MIX,
  /** Its clock runs two minutes behind: the capture times it stamps are in the past. */
  CLOCK_BEHIND;

  /** How far behind a {@link #CLOCK_BEHIND} scanner's clock runs, in milliseconds. */
  public static final long CLOCK_BEHIND_MILLIS = 120_000;

  /** Whether the scanner takes only these labels' items ({@link #PRODUCT_MIX}): sandal, sneaker, ankle boot. */
  public boolean takes(int label) {
    return this != PRODUCT_MIX || label == 5 || label == 7 || label == 9;
  }

  /** The capture time this scanner stamps at {@code now}. */
  public long captureTime(long now) {
    return this == CLOCK_BEHIND ? now - CLOCK_BEHIND_MILLIS : now;
  }

  /** The photo as this scanner takes it: a new array, {@code pixels} is left as it is. */
  public byte[] apply(byte[] pixels, int width, int height, Random random) {
    byte[] out = pixels.clone();
    switch (this) {
      case DARK -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = (byte) ((pixels[i] & 0xff) / 3);
        }
      }
      case INVERTED -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = (byte) (255 - (pixels[i] & 0xff));
        }
      }
      case ROTATED -> {
        if (width == height) {
          for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
              // clockwise: the source's row y becomes column (height - 1 - y)
              out[x * width + (height - 1 - y)] = pixels[y * width + x];
            }
          }
        }
      }
      case BLURRED -> out = boxBlur(boxBlur(pixels, width, height), width, height);
      case NOISY -> {
        for (int i = 0; i < out.length; i++) {
          int value = (int) Math.round((pixels[i] & 0xff) + 60 * random.nextGaussian());
          out[i] = (byte) Math.max(0, Math.min(255, value));
        }
      }
      case PRODUCT_MIX, CLOCK_BEHIND -> { }
      default -> throw new IllegalStateException("unknown fault " + this);
    }
    return out;
  }

  private static byte[] boxBlur(byte[] pixels, int width, int height) {
    byte[] out = new byte[pixels.length];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int sum = 0;
        int count = 0;
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            int nx = x + dx;
            int ny = y + dy;
            if (nx >= 0 && nx < width && ny >= 0 && ny < height) {
              sum += pixels[ny * width + nx] & 0xff;
              count++;
            }
          }
        }
        out[y * width + x] = (byte) Math.round((float) sum / count);
      }
    }
    return out;
  }
}
