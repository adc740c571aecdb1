package io.fashionclassifier.promotion;

import java.math.BigDecimal;

/**
 * What the promotion rule made of the evidence, with the figures it read.
 *
 * @param pValue McNemar's exact two-sided p-value of the evidence's discordant pairs
 * @param worstClass the judged class (enough items) on which the candidate lost most accuracy against the active
 *     model, or -1 when no class had enough items
 * @param reason one sentence saying why, with the figures, for people and the decision record
 */
public record PromotionDecision(Outcome outcome, PairedEvidence evidence, PromotionRule rule, BigDecimal pValue,
    int worstClass, String reason) {

  public enum Outcome {
    /** The candidate is better on the evidence: it becomes the active model. */
    PROMOTE,
    /** The candidate is not better, or worse on a class: it stops being shadowed. */
    RETIRE,
    /** Not enough disagreements yet to judge: keep shadowing. */
    WAIT
  }
}
