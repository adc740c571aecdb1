package io.fashionclassifier.promotion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromotionRuleTest {

  private static final int CLASSES = 10;
  /** 20 disagreements to judge, 5% significance, 2 points of class margin judged from 50 items of a class. */
  private static final PromotionRule RULE = new PromotionRule(0.05, 20, 0.02, 50);

  private final List<PairedOutcome> outcomes = new ArrayList<>();

  /** Adds {@code count} items of class {@code truth}, each model right or wrong as given. */
  private PromotionRuleTest items(int count, int truth, boolean activeRight, boolean candidateRight) {
    int wrong = (truth + 1) % CLASSES;
    for (int i = 0; i < count; i++) {
      outcomes.add(new PairedOutcome(truth, activeRight ? truth : wrong, candidateRight ? truth : wrong));
    }
    return this;
  }

  private PromotionDecision decide() {
    return RULE.decide(PairedEvidence.of(outcomes, CLASSES));
  }

  @Test
  void fewerDisagreementsThanTheMinimumWait() {
    items(100, 0, true, true).items(19, 1, false, true);

    PromotionDecision decision = decide();

    assertThat(decision.outcome()).isEqualTo(PromotionDecision.Outcome.WAIT);
    assertThat(decision.reason()).contains("19 disagreements").contains("20 needed");
  }

  @Test
  void aCandidateSignificantlyBetterIsPromoted() {
    // 2 against 18: p = 2 (1 + 20 + 190) / 2^20, about 0.0004
    items(40, 0, true, true).items(2, 1, true, false).items(18, 2, false, true);

    PromotionDecision decision = decide();

    assertThat(decision.outcome()).isEqualTo(PromotionDecision.Outcome.PROMOTE);
    assertThat(decision.pValue()).isEqualByComparingTo(
        new BigDecimal(211).divide(new BigDecimal(524_288)));
  }

  @Test
  void aCandidateBetterButNotSignificantlySoIsRetired() {
    // 7 against 13: p = 2 P(X <= 7) for n = 20, about 0.26
    items(7, 1, true, false).items(13, 2, false, true);

    PromotionDecision decision = decide();

    assertThat(decision.outcome()).isEqualTo(PromotionDecision.Outcome.RETIRE);
    assertThat(decision.reason()).startsWith("not significantly better");
  }

  @Test
  void aCandidateSignificantlyWorseIsRetired() {
    items(18, 1, true, false).items(2, 2, false, true);

    PromotionDecision decision = decide();

    assertThat(decision.outcome()).isEqualTo(PromotionDecision.Outcome.RETIRE);
    assertThat(decision.reason()).startsWith("not better");
  }

  @Test
  void aCandidateBetterOverallButWorseOnOneClassBeyondTheMarginIsRetired() {
    // class 3: 60 items, the candidate loses 2 of them (3.3 points > 2); elsewhere it wins 30 disagreements
    items(58, 3, true, true).items(2, 3, true, false).items(30, 4, false, true);

    PromotionDecision decision = decide();

    assertThat(decision.outcome()).isEqualTo(PromotionDecision.Outcome.RETIRE);
    assertThat(decision.worstClass()).isEqualTo(3);
    assertThat(decision.reason()).startsWith("worse on class 3");
  }

  @Test
  void aLossWithinTheMarginDoesNotStopThePromotion() {
    // class 3: 100 items, the candidate loses 2 (exactly the 2-point margin, not more)
    items(98, 3, true, true).items(2, 3, true, false).items(30, 4, false, true);

    PromotionDecision decision = decide();

    assertThat(decision.outcome()).isEqualTo(PromotionDecision.Outcome.PROMOTE);
    assertThat(decision.worstClass()).isEqualTo(3);
  }

  @Test
  void aClassWithFewerItemsThanTheMinimumIsNotJudged() {
    // class 3: 49 items, the candidate loses 5 of them, but 49 are too few to judge the class on
    items(44, 3, true, true).items(5, 3, true, false).items(40, 4, false, true);

    PromotionDecision decision = decide();

    assertThat(decision.outcome()).isEqualTo(PromotionDecision.Outcome.PROMOTE);
    assertThat(decision.worstClass()).as("no class has the 50 items to be judged").isEqualTo(-1);
  }

  @Test
  void withTheDefaultsTwentyOneOfThirtyDisagreementsAreTheFewestThatPromote() {
    // 9 against 21: p = 2 P(X <= 9) for n = 30, about 0.043; 10 against 20: about 0.099
    PairedEvidence twentyOne = PairedEvidence.of(items(9, 1, true, false).items(21, 2, false, true).outcomes,
        CLASSES);
    outcomes.clear();
    PairedEvidence twenty = PairedEvidence.of(items(10, 1, true, false).items(20, 2, false, true).outcomes,
        CLASSES);

    assertThat(PromotionRule.DEFAULT.decide(twentyOne).outcome()).isEqualTo(PromotionDecision.Outcome.PROMOTE);
    assertThat(PromotionRule.DEFAULT.decide(twenty).outcome()).isEqualTo(PromotionDecision.Outcome.RETIRE);
  }

  @Test
  void settingsOutsideTheirRangeAreRefused() {
    assertThatThrownBy(() -> new PromotionRule(0, 20, 0.02, 50)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PromotionRule(0.05, 0, 0.02, 50)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PromotionRule(0.05, 20, -0.1, 50)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PromotionRule(0.05, 20, 0.02, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
