package io.fashionclassifier.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each fault on a 3x3 photo, exactly. */
class ScannerFaultTest {

  private static final byte[] PHOTO = bytes(0, 30, 60, 90, 120, 150, 180, 210, 240);

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static int[] ints(byte[] pixels) {
    int[] out = new int[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      out[i] = pixels[i] & 0xff;
    }
    return out;
  }

  @Test
  void aDarkScannerSeesAThirdOfTheLight() {
    assertThat(ints(ScannerFault.DARK.apply(PHOTO, 3, 3, new Random(1))))
        .containsExactly(0, 10, 20, 30, 40, 50, 60, 70, 80);
  }

  @Test
  void anInvertedScannerSwapsDarkAndLight() {
    assertThat(ints(ScannerFault.INVERTED.apply(PHOTO, 3, 3, new Random(1))))
        .containsExactly(255, 225, 195, 165, 135, 105, 75, 45, 15);
  }

  @Test
  void aRotatedScannerTurnsThePhotoAQuarterClockwise() {
    assertThat(ints(ScannerFault.ROTATED.apply(PHOTO, 3, 3, new Random(1))))
        .containsExactly(180, 90, 0, 210, 120, 30, 240, 150, 60);
  }

  @Test
  void aBlurredScannerAveragesEachPixelWithItsNeighboursTwice() {
    // one pass: corner (0,0) = mean(0,30,90,120) = 60; centre = mean of all = 120; ...
    int[] blurred = ints(ScannerFault.BLURRED.apply(PHOTO, 3, 3, new Random(1)));
    assertThat(blurred[4]).isEqualTo(120);
    assertThat(blurred[0]).isLessThan(blurred[8]);
    assertThat(blurred[8] - blurred[0]).as("contrast is lost").isLessThan(240 / 2);
  }

  @Test
  void aNoisyScannerMovesPixelsByAboutItsNoiseLevel() {
    byte[] flat = new byte[10_000];
    java.util.Arrays.fill(flat, (byte) 128);
    int[] noisy = ints(ScannerFault.NOISY.apply(flat, 100, 100, new Random(7)));
    double meanAbsolute = java.util.Arrays.stream(noisy).map(v -> Math.abs(v - 128)).average().orElseThrow();
    // E|N(0, 60)| = 60 * sqrt(2 / pi) = 47.9, a little less where 0 and 255 clip it
    assertThat(meanAbsolute).isBetween(44.0, 49.0);
  }

  @Test
  void theFaultsThatLeaveThePixelsAloneReturnACopy() {
    for (ScannerFault fault : new ScannerFault[] {ScannerFault.PRODUCT_MIX, ScannerFault.CLOCK_BEHIND}) {
      byte[] out = fault.apply(PHOTO, 3, 3, new Random(1));
      assertThat(out).isEqualTo(PHOTO).isNotSameAs(PHOTO);
    }
  }

  @Test
  void aScannerOnTheFootwearLineTakesOnlyFootwearAndAClockBehindStampsTwoMinutesEarly() {
    assertThat(ScannerFault.PRODUCT_MIX.takes(7)).isTrue();
    assertThat(ScannerFault.PRODUCT_MIX.takes(6)).isFalse();
    assertThat(ScannerFault.DARK.takes(6)).isTrue();
    assertThat(ScannerFault.CLOCK_BEHIND.captureTime(1_000_000)).isEqualTo(880_000);
    assertThat(ScannerFault.DARK.captureTime(1_000_000)).isEqualTo(1_000_000);
  }
}
