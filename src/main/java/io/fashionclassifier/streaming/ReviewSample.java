package io.fashionclassifier.streaming;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The review queue's random sample: whether an item is drawn depends on its id and the seed alone (a hash), so
 * that a replay after a crash, another instance, or the audit join long after the verdict all draw the same items,
 * and whatever the model said of them, so that the audits of drawn items estimate accuracy without bias.
 */
final class ReviewSample {

  /** Hash values are 31-bit non-negative ints. */
  private static final double HASH_RANGE = 0x1p31;

  private final double rate;
  private final long seed;

  /**
   * @param rate share of all items drawn, 0 (none) to 1 (all)
   * @param seed changes which items are drawn, not how many
   */
  ReviewSample(double rate, long seed) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("sample rate must be within [0, 1], not " + rate);
    }
    this.rate = rate;
    this.seed = seed;
  }

  boolean drawn(String itemId) {
    if (rate == 0) {
      return false;
    }
    byte[] id = itemId.getBytes(StandardCharsets.UTF_8);
    byte[] seeded = ByteBuffer.allocate(Long.BYTES + id.length).putLong(seed).put(id).array();
    return Utils.toPositive(Utils.murmur2(seeded)) / HASH_RANGE < rate;
  }
}
