package io.fashionclassifier.serde;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Schema ids the registry answered about with a poison-pill answer (unknown, forbidden, not usable Avro), each
 * remembered for a while so that a flood of records carrying the same bad id costs one registry call, not one
 * each. Bounded: the least recently used id is forgotten first. Thread-safe.
 */
final class MissingSchemaIds {

  private record Entry(SchemaRegistryException answer, long expiresAtNanos) {}

  private final long ttlNanos;
  private final LongSupplier clock;
  private final Map<Integer, Entry> entries;

  MissingSchemaIds(long ttlNanos, int maxSize) {
    this(ttlNanos, maxSize, System::nanoTime);
  }

  /** On the given clock ({@link System#nanoTime()}'s units), so that tests need not wait out the time to live. */
  MissingSchemaIds(long ttlNanos, int maxSize, LongSupplier clock) {
    this.ttlNanos = ttlNanos;
    this.clock = clock;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Integer, Entry> eldest) {
        return size() > maxSize;
      }
    };
  }

  /** The answer remembered for this id, or null when none is (or it expired). */
  synchronized SchemaRegistryException get(int id) {
    Entry entry = entries.get(id);
    if (entry == null) {
      return null;
    }
    if (clock.getAsLong() - entry.expiresAtNanos() >= 0) {
      entries.remove(id);
      return null;
    }
    return entry.answer();
  }

  synchronized void put(int id, SchemaRegistryException answer) {
    if (ttlNanos > 0) {
      entries.put(id, new Entry(answer, clock.getAsLong() + ttlNanos));
    }
  }
}
