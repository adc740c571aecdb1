package io.fashionclassifier.learning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.LabelledImages;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainingMixTest {

  /** {@code count} 1x1 images whose pixel is {@code first + i} and label {@code (first + i) % 10}. */
  private static LabelledImages images(int first, int count) {
    byte[] pixels = new byte[count];
    byte[] labels = new byte[count];
    for (int i = 0; i < count; i++) {
      pixels[i] = (byte) (first + i);
      labels[i] = (byte) ((first + i) % 10);
    }
    return new LabelledImages(pixels, labels, 1, 1);
  }

  @Test
  void theAuditedImagesComeFirstThenTheReplay() {
    LabelledImages mix = TrainingMix.of(images(200, 3), images(0, 100), 10, 7);

    assertThat(mix.size()).isEqualTo(13);
    assertThat(mix.image(0)).containsExactly((byte) 200);
    assertThat(mix.image(2)).containsExactly((byte) 202);
    assertThat(mix.label(2)).isEqualTo(202 % 10);
  }

  @Test
  void theReplayDrawsOriginalImagesWithTheirLabelsAndWithoutRepetition() {
    LabelledImages mix = TrainingMix.of(images(200, 0), images(0, 100), 50, 7);

    Set<Integer> drawn = new HashSet<>();
    for (int i = 0; i < mix.size(); i++) {
      int pixel = mix.image(i)[0] & 0xff;
      assertThat(pixel).isLessThan(100);
      assertThat(mix.label(i)).isEqualTo(pixel % 10);
      drawn.add(pixel);
    }
    assertThat(drawn).hasSize(50);
  }

  @Test
  void theSameSeedDrawsTheSameReplay() {
    assertThat(TrainingMix.of(images(200, 2), images(0, 100), 20, 3).pixels())
        .isEqualTo(TrainingMix.of(images(200, 2), images(0, 100), 20, 3).pixels());
  }

  @Test
  void aReplayLargerThanTheOriginalSetTakesAllOfIt() {
    assertThat(TrainingMix.of(images(200, 1), images(0, 5), 50, 3).size()).isEqualTo(6);
  }
}
