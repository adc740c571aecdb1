package io.fashionclassifier.promotion;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * When a shadowed candidate replaces the active model (docs/continuous-learning.md): judged on audited items both
 * classified, once they disagree on at least {@code minDisagreements} of them as to right and wrong. Then the
 * candidate is promoted only when it got more of those right and McNemar's exact test puts the split below
 * {@code significance}, and never when on some class with at least {@code minClassItems} audited items its
 * accuracy is more than {@code classMargin} below the active model's; otherwise it is retired.
 *
 * <p>One look: the first judgement decides, and the candidate is retired when it is not then significantly
 * better, so running the rule again and again on growing evidence does not raise the chance of promoting a
 * candidate that is no better above {@code significance}.
 */
public record PromotionRule(double significance, int minDisagreements, double classMargin, int minClassItems) {

  public static final double DEFAULT_SIGNIFICANCE = 0.05;
  public static final int DEFAULT_MIN_DISAGREEMENTS = 30;
  public static final double DEFAULT_CLASS_MARGIN = 0.02;
  public static final int DEFAULT_MIN_CLASS_ITEMS = 50;

  public static final PromotionRule DEFAULT = new PromotionRule(DEFAULT_SIGNIFICANCE, DEFAULT_MIN_DISAGREEMENTS,
      DEFAULT_CLASS_MARGIN, DEFAULT_MIN_CLASS_ITEMS);

  public PromotionRule {
    if (!(significance > 0 && significance < 1)) {
      throw new IllegalArgumentException("the significance level must be between 0 and 1 (exclusive), not "
          + significance);
    }
    if (minDisagreements < 1) {
      throw new IllegalArgumentException("the minimum number of disagreements must be at least 1, not "
          + minDisagreements);
    }
    if (!(classMargin >= 0 && classMargin <= 1)) {
      throw new IllegalArgumentException("the class margin must be between 0 and 1, not " + classMargin);
    }
    if (minClassItems < 1) {
      throw new IllegalArgumentException("the minimum of items per class must be at least 1, not " + minClassItems);
    }
  }

  /** The decision on {@code evidence}. */
  public PromotionDecision decide(PairedEvidence evidence) {
    BigDecimal p = McNemar.exactPValue(evidence.activeOnly(), evidence.candidateOnly());
    PairedEvidence.ClassCounts worst = null;
    for (PairedEvidence.ClassCounts counts : evidence.classes()) {
      if (counts.items() >= minClassItems && (worst == null || counts.drop() > worst.drop())) {
        worst = counts;
      }
    }
    int worstClass = worst == null ? -1 : worst.label();
    String split = String.format(Locale.ROOT, "%d disagreements (active alone right on %d, candidate alone on %d)",
        evidence.disagreements(), evidence.activeOnly(), evidence.candidateOnly());
    if (evidence.disagreements() < minDisagreements) {
      return new PromotionDecision(PromotionDecision.Outcome.WAIT, evidence, this, p, worstClass,
          split + " of the " + minDisagreements + " needed to judge, on " + evidence.pairs() + " paired items");
    }
    if (worst != null && worst.activeCorrect() - worst.candidateCorrect() > classMargin * worst.items()) {
      return new PromotionDecision(PromotionDecision.Outcome.RETIRE, evidence, this, p, worstClass,
          String.format(Locale.ROOT, "worse on class %d by %.4f (%d of %d right against %d), more than the margin"
              + " %.4f", worst.label(), worst.drop(), worst.candidateCorrect(), worst.items(), worst.activeCorrect(),
              classMargin));
    }
    boolean better = evidence.candidateOnly() > evidence.activeOnly();
    String test = String.format(Locale.ROOT, "%s, McNemar exact p = %.6g against %s", split, p.doubleValue(),
        significance);
    if (better && p.compareTo(BigDecimal.valueOf(significance)) < 0) {
      return new PromotionDecision(PromotionDecision.Outcome.PROMOTE, evidence, this, p, worstClass,
          "better: " + test);
    }
    return new PromotionDecision(PromotionDecision.Outcome.RETIRE, evidence, this, p, worstClass,
        (better ? "not significantly better: " : "not better: ") + test);
  }
}
