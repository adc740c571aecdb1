package io.fashionclassifier.learning;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Which audited items no candidate ever trains on: a share of them chosen by a hash of the item id alone, so that
 * an item held out once is held out from every later candidate too (each is built from all audits so far), and
 * what the model said of it plays no part.
 */
final class HoldOut {

  /** Hash values are 31-bit non-negative ints. */
  private static final double HASH_RANGE = 0x1p31;
  /** Kept apart from the review sample's hash (seed and id), so that the two choices are independent. */
  private static final String SALT = "held-out:";

  private final double share;

  /** @param share of the audited items held out, 0 to 1 */
  HoldOut(double share) {
    if (!(share >= 0 && share < 1)) {
      throw new IllegalArgumentException("the held-out share must be at least 0 and below 1, not " + share);
    }
    this.share = share;
  }

  boolean heldOut(String itemId) {
    byte[] salted = (SALT + itemId).getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(salted)) / HASH_RANGE < share;
  }
}
