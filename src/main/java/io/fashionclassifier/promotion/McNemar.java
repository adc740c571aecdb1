package io.fashionclassifier.promotion;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * McNemar's exact test on paired outcomes: of the discordant pairs (items exactly one of two models got right),
 * how unlikely a split at least as uneven as the one seen is when both models are equally good, i.e. when each
 * discordant pair is a fair coin. Two-sided: {@code p = min(1, 2 P(X <= min(b, c)))} with {@code X ~ Bin(b + c, 1/2)}.
 *
 * <p>The exact binomial test rather than the chi-square approximation with continuity correction: it holds for
 * any number of discordant pairs, including the few that an early decision sees, where the approximation is
 * poor; and it is computed in integers, so the p-value is exact, not an approximation of an approximation.
 */
public final class McNemar {

  private McNemar() {}

  /**
   * The exact two-sided p-value for {@code b} pairs only the first model got right and {@code c} only the second
   * did: a dyadic fraction, so a BigDecimal holds it exactly.
   */
  public static BigDecimal exactPValue(long b, long c) {
    if (b < 0 || c < 0) {
      throw new IllegalArgumentException("discordant pair counts cannot be negative: " + b + ", " + c);
    }
    long n = b + c;
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many discordant pairs for the exact test: " + n);
    }
    long k = Math.min(b, c);
    if (2 * k == n) {
      return BigDecimal.ONE;
    }
    // sum of C(n, i) for i <= k; each term from the previous one, C(n, i+1) = C(n, i) (n - i) / (i + 1), exactly
    BigInteger term = BigInteger.ONE;
    BigInteger tail = BigInteger.ONE;
    for (long i = 0; i < k; i++) {
      term = term.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
      tail = tail.add(term);
    }
    // 2 tail / 2^n = tail / 2^(n-1) = tail 5^(n-1) / 10^(n-1): exact in decimal
    int scale = (int) (n - 1);
    BigDecimal p = new BigDecimal(tail.multiply(BigInteger.valueOf(5).pow(scale)), scale);
    return p.min(BigDecimal.ONE).stripTrailingZeros();
  }
}
