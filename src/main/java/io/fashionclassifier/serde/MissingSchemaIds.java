package io.fashionclassifier.serde;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Schema ids the registry answered about with a poison-pill answer (unknown, forbidden, not usable Avro), each
 * remembered for a while so that a flood of records carrying the same bad id costs one registry call, not one
 * each. Bounded: the least recently used id is forgotten first. Thread-safe.
 */
final class MissingSchemaIds {

  private record Entry(SchemaRegistryException answer, long expiresAtNanos) {}

  private final long ttlNanos;
  private final Map<Integer, Entry> entries;

  MissingSchemaIds(long ttlNanos, int maxSize) {
    this.ttlNanos = ttlNanos;
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
    if (System.nanoTime() - entry.expiresAtNanos() >= 0) {
      entries.remove(id);
      return null;
    }
    return entry.answer();
  }

  synchronized void put(int id, SchemaRegistryException answer) {
    if (ttlNanos > 0) {
      entries.put(id, new Entry(answer, System.nanoTime() + ttlNanos));
    }
  }
}
