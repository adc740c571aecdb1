package io.fashionclassifier.promotion;

import java.util.ArrayList;
import java.util.List;

/**
 * The counts the promotion rule reads from paired outcomes: overall, the items each model got right and the
 * discordant pairs; per audited class, the items and each model's correct ones.
 *
 * @param activeOnly items only the active model got right (McNemar's b)
 * @param candidateOnly items only the candidate got right (McNemar's c)
 */
public record PairedEvidence(long pairs, long activeCorrect, long candidateCorrect, long activeOnly,
    long candidateOnly, List<ClassCounts> classes) {

  /** One audited class: items truly of it, and how many of them each model labelled right. */
  public record ClassCounts(int label, long items, long activeCorrect, long candidateCorrect) {

    /** Active minus candidate accuracy on the class (positive: the candidate is worse); 0 without items. */
    public double drop() {
      return items == 0 ? 0 : (double) (activeCorrect - candidateCorrect) / items;
    }
  }

  public PairedEvidence {
    classes = List.copyOf(classes);
  }

  /** Items the two models disagreed on as to right and wrong: what McNemar's test reads. */
  public long disagreements() {
    return activeOnly + candidateOnly;
  }

  /** The counts of {@code outcomes} over {@code classCount} classes. */
  public static PairedEvidence of(Iterable<PairedOutcome> outcomes, int classCount) {
    long[] items = new long[classCount];
    long[] active = new long[classCount];
    long[] candidate = new long[classCount];
    long pairs = 0;
    long activeOnly = 0;
    long candidateOnly = 0;
    for (PairedOutcome outcome : outcomes) {
      int truth = outcome.truth();
      if (truth < 0 || truth >= classCount || outcome.active() < 0 || outcome.active() >= classCount
          || outcome.candidate() < 0 || outcome.candidate() >= classCount) {
        throw new IllegalArgumentException("class index outside 0-" + (classCount - 1) + ": " + outcome);
      }
      pairs++;
      items[truth]++;
      active[truth] += outcome.activeCorrect() ? 1 : 0;
      candidate[truth] += outcome.candidateCorrect() ? 1 : 0;
      activeOnly += outcome.activeCorrect() && !outcome.candidateCorrect() ? 1 : 0;
      candidateOnly += outcome.candidateCorrect() && !outcome.activeCorrect() ? 1 : 0;
    }
    List<ClassCounts> classes = new ArrayList<>(classCount);
    long activeCorrect = 0;
    long candidateCorrect = 0;
    for (int label = 0; label < classCount; label++) {
      classes.add(new ClassCounts(label, items[label], active[label], candidate[label]));
      activeCorrect += active[label];
      candidateCorrect += candidate[label];
    }
    return new PairedEvidence(pairs, activeCorrect, candidateCorrect, activeOnly, candidateOnly, classes);
  }
}
