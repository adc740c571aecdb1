package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AuditedItem;

/** What the audit join emits: audited items, the partial figures of what an audit changed, and dead letters. */
sealed interface AuditOutput {

  record Audited(AuditedItem item) implements AuditOutput {}

  /** A change of the audited counts for the scope key the record is keyed by ({@link AuditFigures#change}). */
  record Figure(AccuracyAggregate partial) implements AuditOutput {}

  /** An audit's original key and value bytes; the reason headers travel on the forwarded record itself. */
  record DeadLetter(byte[] key, byte[] value) implements AuditOutput {}
}
