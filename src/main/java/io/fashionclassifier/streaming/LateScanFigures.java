package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Keeps the window grace for scan labels when the windows stay open longer for audits: the windowed figures' store
 * keeps each window for the audit retention, so that an audit days late still counts in its item's window, while a
 * scan partial later than {@code fashion.aggregates.grace.ms} is dropped here, by the rule Kafka Streams applies to
 * windows (window end plus grace at or before stream time), and counted in {@code fashion.aggregates.late}.
 */
final class LateScanFigures implements FixedKeyProcessor<String, AccuracyAggregate, AccuracyAggregate> {

  private final long windowMillis;
  private final long graceMillis;
  private final Counter late;
  private FixedKeyProcessorContext<String, AccuracyAggregate> context;

  LateScanFigures(Duration window, Duration grace, MeterRegistry registry) {
    this.windowMillis = window.toMillis();
    this.graceMillis = grace.toMillis();
    this.late = Counter.builder("fashion.aggregates.late")
        .description("Scanned items that came after their window's grace: left out of the windowed figures")
        .register(registry);
  }

  @Override
  public void init(FixedKeyProcessorContext<String, AccuracyAggregate> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, AccuracyAggregate> record) {
    if (!AuditFigures.isAudit(record.value())) {
      long timestamp = record.timestamp();
      long windowEnd = timestamp - Math.floorMod(timestamp, windowMillis) + windowMillis;
      if (windowEnd + graceMillis <= context.currentStreamTimeMs()) {
        if (record.key().startsWith(AggregateScope.OVERALL.name() + ":")) {
          late.increment(record.value().getSeen()); // every item counts towards OVERALL once
        }
        return;
      }
    }
    context.forward(record);
  }
}
