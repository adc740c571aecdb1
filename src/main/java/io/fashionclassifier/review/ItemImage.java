package io.fashionclassifier.review;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Optional;
import javax.imageio.ImageIO;

/** A request's grayscale pixels as an inline PNG at their own size; the page scales it up without smoothing. */
final class ItemImage {

  static final int MAX_SIDE = 1024;

  private ItemImage() {}

  /** A {@code data:image/png} URL, or empty when the pixels do not match the stated size. */
  static Optional<String> dataUrl(int width, int height, ByteBuffer pixels) {
    ByteBuffer view = pixels.duplicate();
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || view.remaining() != width * height) {
      return Optional.empty();
    }
    byte[] bytes = new byte[view.remaining()];
    view.get(bytes);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setDataElements(0, 0, width, height, bytes);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of("data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray()));
  }
}
