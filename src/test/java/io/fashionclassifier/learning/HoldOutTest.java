package io.fashionclassifier.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HoldOutTest {

  @Test
  void anItemIsHeldOutOrNotByItsIdAlone() {
    HoldOut first = new HoldOut(0.2);
    HoldOut second = new HoldOut(0.2);

    assertThat(IntStream.range(0, 1_000).mapToObj(i -> "item-" + i))
        .allMatch(id -> first.heldOut(id) == second.heldOut(id));
  }

  @Test
  void theShareHeldOutIsTheShareAsked() {
    HoldOut holdOut = new HoldOut(0.2);

    long held = IntStream.range(0, 10_000).filter(i -> holdOut.heldOut("item-" + i)).count();

    // a binomial count of 10,000 draws at 0.2 has a standard deviation of 40: 200 is five of them
    assertThat(held).isBetween(1_800L, 2_200L);
  }

  @Test
  void aShareOfZeroHoldsNothingOut() {
    HoldOut none = new HoldOut(0);

    assertThat(IntStream.range(0, 1_000).mapToObj(i -> "item-" + i)).noneMatch(none::heldOut);
  }

  @Test
  void aShareOfOneIsRefused() {
    assertThatThrownBy(() -> new HoldOut(1)).isInstanceOf(IllegalArgumentException.class);
  }
}
