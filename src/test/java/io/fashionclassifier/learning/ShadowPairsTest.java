package io.fashionclassifier.learning;

import static io.fashionclassifier.learning.AuditedItemRecords.audited;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.promotion.PairedEvidence;
import io.fashionclassifier.schema.FashionClass;
import org.junit.jupiter.api.Test;

class ShadowPairsTest {

  private final ShadowPairs pairs = new ShadowPairs("active-1", "candidate-2");

  @Test
  void anItemPairsTheActiveAndTheCandidateLabelWithItsTruth() {
    pairs.add("a", audited("a", "active-1", FashionClass.BAG, "candidate-2", FashionClass.COAT, FashionClass.COAT));

    PairedEvidence evidence = pairs.evidence();

    assertThat(evidence.pairs()).isEqualTo(1);
    assertThat(evidence.candidateOnly()).isEqualTo(1);
    assertThat(evidence.classes().get(FashionClass.COAT.ordinal()).items()).isEqualTo(1);
  }

  @Test
  void theLatestRecordOfAnItemIsTheOneThatCounts() {
    pairs.add("a", audited("a", "active-1", FashionClass.BAG, "candidate-2", FashionClass.COAT, FashionClass.COAT));
    // a second audit found it was a bag after all
    pairs.add("a", audited("a", "active-1", FashionClass.BAG, "candidate-2", FashionClass.COAT, FashionClass.BAG));

    PairedEvidence evidence = pairs.evidence();

    assertThat(evidence.pairs()).isEqualTo(1);
    assertThat(evidence.activeOnly()).isEqualTo(1);
    assertThat(evidence.candidateOnly()).isZero();
    assertThat(pairs.read()).isEqualTo(2);
  }

  @Test
  void itemsOfOtherVersionsOrWithoutTheCandidatesLabelAreLeftOut() {
    pairs.add("a", audited("a", "active-0", FashionClass.BAG, "candidate-2", FashionClass.COAT, FashionClass.COAT));
    pairs.add("b", audited("b", "active-1", FashionClass.BAG, "candidate-3", FashionClass.COAT, FashionClass.COAT));
    pairs.add("c", audited("c", "active-1", FashionClass.BAG, null, null, FashionClass.COAT));

    assertThat(pairs.evidence().pairs()).isZero();
    assertThat(pairs.read()).isEqualTo(3);
  }

  @Test
  void aNewerRecordOfAnotherVersionTakesTheItemOutOfTheEvidence() {
    pairs.add("a", audited("a", "active-1", FashionClass.BAG, "candidate-2", FashionClass.COAT, FashionClass.COAT));
    // scanned again and classified by another model: its audit moved to that verdict
    pairs.add("a", audited("a", "active-0", FashionClass.BAG, null, null, FashionClass.COAT));

    assertThat(pairs.evidence().pairs()).isZero();
  }
}
