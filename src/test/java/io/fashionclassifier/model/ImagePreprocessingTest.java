package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ImagePreprocessingTest {

  @Test
  void a28x28GrayImageIsTakenAsIs() {
    BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
    image.setRGB(3, 5, 0xc8c8c8);

    byte[] pixels = ImagePreprocessing.toModelInput(image, false);

    assertThat(pixels).hasSize(784);
    assertThat(pixels[5 * 28 + 3] & 0xff).isEqualTo(200);
    assertThat(pixels[0]).isZero();
  }

  @Test
  void grayPngValuesAreKeptExactly() throws java.io.IOException {
    BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(10, 10, 0, 100);
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(gray, "png", png);
    BufferedImage read = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png.toByteArray()));

    byte[] pixels = ImagePreprocessing.toModelInput(read, false);

    assertThat(pixels[10 * 28 + 10] & 0xff).isEqualTo(100);
  }

  @Test
  void aLargeDarkOnLightPhotoIsInvertedCroppedAndFitted() {
    // a dark 100x50 bar on a white 400x300 canvas: wider than high, so it spans the frame's full width
    BufferedImage photo = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 300; y++) {
      for (int x = 0; x < 400; x++) {
        boolean item = x >= 50 && x < 150 && y >= 200 && y < 250;
        photo.setRGB(x, y, item ? 0x101010 : 0xffffff);
      }
    }

    byte[] pixels = ImagePreprocessing.toModelInput(photo, true);

    // item: light, full width, 14 rows high, centred vertically; background: dark
    assertThat(pixels[14 * 28] & 0xff).isGreaterThan(200);
    assertThat(pixels[14 * 28 + 27] & 0xff).isGreaterThan(200);
    assertThat(pixels[2 * 28 + 14] & 0xff).isZero();
    assertThat(pixels[25 * 28 + 14] & 0xff).isZero();
  }

  @Test
  void normalizerScalesAndStandardisesEachPixel() {
    Manifest.Normalization normalization = new Manifest.Normalization(0.5f, 0.25f);
    byte[] image = new byte[784];
    image[0] = (byte) 255;
    image[1] = (byte) 51;
    float[] input = new float[784 + 3];

    new ImagePreprocessing.Normalizer(normalization).normalize(image, 0, input, 3, false);

    assertThat(input[3]).isEqualTo(2f); // (1 - 0.5) / 0.25
    assertThat(input[4]).isEqualTo((0.2f - 0.5f) / 0.25f);
    assertThat(input[5]).isEqualTo(-2f); // black
  }

  @Test
  void normalizerMirrorsEachRowWhenAsked() {
    byte[] image = new byte[784];
    image[28 + 2] = (byte) 255; // row 1, column 2
    float[] mirrored = new float[784];

    new ImagePreprocessing.Normalizer(new Manifest.Normalization(0f, 1f)).normalize(image, 0, mirrored, 0, true);

    assertThat(mirrored[28 + 25]).isEqualTo(1f);
    assertThat(mirrored[28 + 2]).isZero();
  }

  @Test
  void normalizerShiftsAfterMirroringAndFillsTheEdgeWithBackground() {
    byte[] image = new byte[784];
    java.util.Arrays.fill(image, (byte) 255);
    image[28 + 2] = 0; // row 1, column 2: one dark pixel on white
    float[] shifted = new float[784];

    new ImagePreprocessing.Normalizer(new Manifest.Normalization(0f, 1f))
        .normalize(image, 0, shifted, 0, true, 1, -1);

    // mirrored: row 1, column 25; then one column right and one row up: row 0, column 26
    assertThat(shifted[26]).isZero();
    assertThat(shifted[25]).isEqualTo(1f);
    // column 0 came from outside the frame, and so did the last row
    assertThat(shifted[5 * 28]).isZero();
    assertThat(shifted[27 * 28 + 5]).isZero();
    assertThat(shifted[26 * 28 + 5]).isEqualTo(1f);
  }
}
