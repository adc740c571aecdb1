package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import org.apache.kafka.common.header.Headers;

/**
 * What the micro-batcher emits: for each input record a verdict, or a dead letter when prediction failed; and for
 * each batch its partial accuracy figures.
 */
sealed interface Outcome {

  record Classified(ClassifiedItem item) implements Outcome {}

  /** A batch's figure for the scope key the record is keyed by (see {@link AccuracyAggregates#partials}). */
  record Figure(AccuracyAggregate partial) implements Outcome {}

  /** The original key and value bytes; the error headers travel on the forwarded record itself. */
  record DeadLetter(byte[] key, byte[] value) implements Outcome {}
}
