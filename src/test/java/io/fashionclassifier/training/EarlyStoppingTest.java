package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.training.listener.EarlyStoppingListener.EarlyStoppedException;
import org.junit.jupiter.api.Test;

/** Patience counts epochs in a row without a better validation accuracy; a tie is no improvement. */
class EarlyStoppingTest {

  @Test
  void stopsAfterPatienceEpochsWithoutImprovement() {
    EarlyStopping stopping = new EarlyStopping(2);
    stopping.epochEnded(0.80);
    stopping.epochEnded(0.85);
    stopping.epochEnded(0.85);

    assertThatThrownBy(() -> stopping.epochEnded(0.84))
        .isInstanceOf(EarlyStoppedException.class)
        .hasMessage(EarlyStopping.STOP_REASON)
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((EarlyStoppedException) e).getStopEpoch())
            .isEqualTo(4));
  }

  @Test
  void anImprovementResetsThePatience() {
    EarlyStopping stopping = new EarlyStopping(2);
    stopping.epochEnded(0.80);
    stopping.epochEnded(0.79);
    stopping.epochEnded(0.81);

    assertThatNoException().isThrownBy(() -> stopping.epochEnded(0.80));
  }
}
