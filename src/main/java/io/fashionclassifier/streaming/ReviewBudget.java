package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.ReviewReason;
import io.fashionclassifier.schema.ReviewRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-scanner budget of review requests: at most {@code perHour} requests of one scanner in one hour (UTC, of
 * the verdicts' classified time), the rest counted and not sent. Sampled requests are always sent, and count
 * towards the hour, so that the sampled estimate stays a uniform sample whatever else a scanner sends; the budget
 * holds the unsure ones back. Keyed by scanner id (a repartition topic puts each scanner's requests in one task),
 * the store holds one entry per scanner that sent requests in the last hours.
 */
final class ReviewBudget implements Processor<String, ReviewRequest, String, ReviewRequest> {

  private static final long HOUR = Duration.ofHours(1).toMillis();

  private final String storeName;
  private final int perHour;
  private final Counter sent;
  private final Counter overBudget;
  private ProcessorContext<String, ReviewRequest> context;
  private KeyValueStore<String, HourCount> counts;

  ReviewBudget(String storeName, int perHour, MeterRegistry registry) {
    this.storeName = storeName;
    this.perHour = perHour;
    this.sent = counter(registry, "sent", "Review requests sent");
    this.overBudget = counter(registry, "over_budget",
        "Review requests not sent: their scanner had used its budget for the hour");
  }

  static Counter counter(MeterRegistry registry, String outcome, String description) {
    return Counter.builder("fashion.review.requests").description(description).tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void init(ProcessorContext<String, ReviewRequest> context) {
    this.context = context;
    this.counts = context.getStateStore(storeName);
    context.schedule(Duration.ofMinutes(10), PunctuationType.WALL_CLOCK_TIME, this::forgetPastHours);
  }

  @Override
  public void process(Record<String, ReviewRequest> record) {
    ReviewRequest request = record.value();
    long classified = request.getClassifiedTime().toEpochMilli();
    long hour = classified - Math.floorMod(classified, HOUR);
    HourCount count = counts.get(record.key());
    if (count == null || count.hour() < hour) {
      count = new HourCount(hour, 0);
    }
    // a request of an hour already past (a late partition) counts towards the scanner's latest hour
    boolean sampled = request.getReasons().contains(ReviewReason.RANDOM_SAMPLE);
    if (!sampled && count.count() >= perHour) {
      overBudget.increment();
      return;
    }
    counts.put(record.key(), new HourCount(count.hour(), count.count() + 1));
    sent.increment();
    context.forward(new Record<>(request.getItemId(), request, record.timestamp()));
  }

  /** Scanners that sent nothing for two hours leave the store. */
  private void forgetPastHours(long now) {
    List<String> past = new ArrayList<>();
    try (KeyValueIterator<String, HourCount> entries = counts.all()) {
      while (entries.hasNext()) {
        KeyValue<String, HourCount> entry = entries.next();
        if (entry.value.hour() + 2 * HOUR <= now) {
          past.add(entry.key);
        }
      }
    }
    past.forEach(counts::delete);
  }

  /** Requests sent for one scanner in the hour starting at {@code hour} (epoch millis). */
  record HourCount(long hour, long count) {

    /** Two longs. */
    static final class StoreSerde implements Serde<HourCount> {
      @Override
      public Serializer<HourCount> serializer() {
        return (topic, value) -> value == null ? null
            : ByteBuffer.allocate(2 * Long.BYTES).putLong(value.hour()).putLong(value.count()).array();
      }

      @Override
      public Deserializer<HourCount> deserializer() {
        return (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          return new HourCount(buffer.getLong(), buffer.getLong());
        };
      }
    }
  }
}
