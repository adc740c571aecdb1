package io.fashionclassifier.scanner;

/**
 * One photo a simulated scanner sends.
 *
 * @param pixels row-major 8-bit grayscale, width*height bytes
 * @param label true category 0-9, or -1 when unknown
 */
public record ScanImage(byte[] pixels, int width, int height, int label) {

  public static final int UNKNOWN = -1;

  public boolean hasLabel() {
    return label >= 0;
  }
}
