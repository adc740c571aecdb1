package io.fashionclassifier.promotion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class McNemarTest {

  @Test
  void oneAgainstNineIsTwiceTheTailOfTheFairCoin() {
    // 2 (C(10,0) + C(10,1)) / 2^10 = 22 / 1024
    assertThat(McNemar.exactPValue(1, 9)).isEqualByComparingTo("0.021484375");
  }

  @Test
  void noneAgainstSixIsTwoOverTwoToTheSix() {
    assertThat(McNemar.exactPValue(0, 6)).isEqualByComparingTo("0.03125");
  }

  @Test
  void sevenAgainstTwentyFiveSumsTheTailExactly() {
    // C(32,0..7) = 1 + 32 + 496 + 4960 + 35960 + 201376 + 906192 + 3365856 = 4514873; p = 2 * 4514873 / 2^32
    BigDecimal expected = new BigDecimal(4_514_873).divide(new BigDecimal(2_147_483_648L));
    assertThat(McNemar.exactPValue(7, 25)).isEqualByComparingTo(expected);
  }

  @Test
  void theTestIsSymmetricInTheTwoModels() {
    assertThat(McNemar.exactPValue(25, 7)).isEqualByComparingTo(McNemar.exactPValue(7, 25));
  }

  @Test
  void anEvenSplitGivesOne() {
    assertThat(McNemar.exactPValue(40, 40)).isEqualByComparingTo(BigDecimal.ONE);
  }

  @Test
  void aNearlyEvenSplitIsCappedAtOne() {
    // 2 P(X <= 2) for n = 5 is 2 * 16 / 32 = 1 exactly; for n = 1 it would be 2 * 1/2 = 1 as well
    assertThat(McNemar.exactPValue(2, 3)).isEqualByComparingTo(BigDecimal.ONE);
    assertThat(McNemar.exactPValue(0, 1)).isEqualByComparingTo(BigDecimal.ONE);
  }

  @Test
  void noDisagreementsGiveOne() {
    assertThat(McNemar.exactPValue(0, 0)).isEqualByComparingTo(BigDecimal.ONE);
  }

  @Test
  void negativeCountsAreRefused() {
    assertThatThrownBy(() -> McNemar.exactPValue(-1, 3)).isInstanceOf(IllegalArgumentException.class);
  }
}
