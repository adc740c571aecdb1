package io.fashionclassifier.promotion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairedEvidenceTest {

  @Test
  void countsTheDiscordantPairsAndEachClassByItsAuditedLabel() {
    PairedEvidence evidence = PairedEvidence.of(List.of(
        new PairedOutcome(0, 0, 0), // both right
        new PairedOutcome(0, 0, 1), // active alone right
        new PairedOutcome(1, 2, 1), // candidate alone right
        new PairedOutcome(1, 2, 2)), // both wrong
        3);

    assertThat(evidence.pairs()).isEqualTo(4);
    assertThat(evidence.activeCorrect()).isEqualTo(2);
    assertThat(evidence.candidateCorrect()).isEqualTo(2);
    assertThat(evidence.activeOnly()).isEqualTo(1);
    assertThat(evidence.candidateOnly()).isEqualTo(1);
    assertThat(evidence.classes()).containsExactly(
        new PairedEvidence.ClassCounts(0, 2, 2, 1),
        new PairedEvidence.ClassCounts(1, 2, 0, 1),
        new PairedEvidence.ClassCounts(2, 0, 0, 0));
  }

  @Test
  void aClassIndexOutsideTheClassesIsRefused() {
    assertThatThrownBy(() -> PairedEvidence.of(List.of(new PairedOutcome(3, 0, 0)), 3))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
