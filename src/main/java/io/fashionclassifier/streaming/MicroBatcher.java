package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects input images into batches and has each batch classified with one call to the model: when the batch
 * holds {@code batchSize} images, or when its oldest image has waited {@code maxWait} (wall-clock punctuation). It
 * forwards one verdict per image, then the batch's partial accuracy figures per scope and window
 * ({@link AccuracyAggregates#partials}).
 *
 * <p>The batch lives in a changelogged state store, written in the same transaction as the input offsets under
 * exactly-once: a record whose offset is committed is either already classified or still in the store, and a
 * restarted (or migrated) task flushes what it restores at its first punctuation. Nothing is lost or classified
 * twice.
 *
 * <p>The model calls are {@link BatchInference}'s, one per task incarnation and closed in {@link #close}: it
 * follows the model lineup between batches, bisects batches the model fails on and runs the shadow model, whose
 * verdicts are not published, only its figures ({@link AccuracyAggregates#shadowPartials}). What a batch sends is
 * {@link BatchVerdicts}'s to say.
 *
 * <p>Values are decoded here ({@link ImageDecoder}) rather than by the source's serde so that the original bytes
 * stay at hand for the dead-letter topic. A value that does not decode or validate makes {@link #process} throw,
 * and Kafka Streams' processing exception handler sends the original record to the dead-letter topic (KIP-1034). A
 * registry outage is not the record's fault: it propagates, here and at flush, and the application retries from
 * the last commit ({@link DeadLetters#isOutage}). Each value is decoded once; only records restored from the
 * changelog are decoded again, at flush.
 */
final class MicroBatcher implements Processor<byte[], byte[], String, Outcome> {

  private static final Logger log = LoggerFactory.getLogger(MicroBatcher.class);

  private final String storeName;
  private final int batchSize;
  private final Duration maxWait;
  private final AccuracyAggregates aggregates;
  private final ImageDecoder decoder;
  private final Supplier<ModelLineup> models;
  private final ClassifierMetrics metrics;

  private final StreamProgress progress;
  private final boolean commitPartialBatches;
  private final int maxRecordBytes;
  private StreamProgress.Task task;
  private ProcessorContext<String, Outcome> context;
  private KeyValueStore<Long, BufferedRecord> buffer;
  private BatchInference inference;

  /** A buffered record as it was decoded on arrival, and when it was read (wall clock, epoch milliseconds). */
  private record Arrived(ImageDecoder.Decoded image, long readAt) {}

  /** The buffered records, decoded on arrival; absent for records restored from the changelog. */
  private final Map<Long, Arrived> decoded = new HashMap<>();
  private int deadLetterLimit;
  private long nextSequence;
  private int pending;
  /** Wall-clock time the oldest pending record arrived; restored records count as overdue. */
  private long oldestPendingSince;
  /** The cached clock at the last flush, and the time spent flushing since Kafka Streams read it. */
  private long clockAtFlush = Long.MIN_VALUE;
  private long flushNanosSinceClock;

  MicroBatcher(
      String storeName,
      int batchSize,
      Duration maxWait,
      AccuracyAggregates aggregates,
      Deserializer<InventoryImage> images,
      Supplier<ModelLineup> models,
      ClassifierMetrics metrics,
      StreamProgress progress,
      boolean commitPartialBatches,
      int maxRecordBytes) {
    this.progress = progress;
    this.maxRecordBytes = maxRecordBytes;
    this.commitPartialBatches = commitPartialBatches;
    this.storeName = storeName;
    this.batchSize = batchSize;
    this.maxWait = maxWait;
    this.aggregates = aggregates;
    this.decoder = new ImageDecoder(images);
    this.models = models;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Outcome> context) {
    this.context = context;
    this.buffer = context.getStateStore(storeName);
    // init runs again on the same instance when a suspended task resumes, after close gave the classifiers back
    if (inference != null) {
      inference.close();
    }
    inference = new BatchInference(models, metrics, context.taskId().toString());
    this.deadLetterLimit = DeadLetters.sizeLimit(context.appConfigs());
    // and the store is counted afresh
    decoded.clear();
    pending = 0;
    nextSequence = 0;
    try (KeyValueIterator<Long, BufferedRecord> restored = buffer.all()) {
      while (restored.hasNext()) {
        nextSequence = restored.next().key + 1;
        pending++;
      }
    }
    if (pending > 0) {
      log.info("task {}: {} buffered records restored, classifying them now", context.taskId(), pending);
      oldestPendingSince = Long.MIN_VALUE;
    }
    if (task != null) {
      task.close();
    }
    task = progress.task(context.taskId().toString());
    task.idle(pending);
    Duration interval = maxWait.dividedBy(2).isZero() ? Duration.ofMillis(1) : maxWait.dividedBy(2);
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::flushIfOverdue);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    task.working();
    try {
      buffer(record);
    } finally {
      task.idle(pending);
    }
  }

  private void buffer(Record<byte[], byte[]> record) {
    metrics.recordIn();
    // the real clock, not the cached one: the stages of a record's latency are to add up to what a reader sees
    long readAt = System.currentTimeMillis();
    metrics.consumerWait(record.timestamp(), readAt);
    RecordMetadata source = context.recordMetadata().orElseThrow();
    // throw for a bad record, which the processing exception handler sends to the dead-letter topic
    InventoryImages.checkRecordSize(record.key(), record.value(), record.headers(), maxRecordBytes);
    ImageDecoder.Decoded image = decoder.decode(source.topic(), record.headers(), record.value());

    if (pending == 0) {
      oldestPendingSince = arrivalTime();
    }
    long sequence = nextSequence++;
    buffer.put(
        sequence,
        new BufferedRecord(
            record.key(), record.value(), new RecordHeaders(record.headers().toArray()),
            source.topic(), source.partition(), source.offset(), record.timestamp()));
    decoded.put(sequence, new Arrived(image, readAt));
    pending++;
    if (pending >= batchSize) {
      flush();
    }
  }

  /**
   * When the record being processed arrived. {@code currentSystemTimeMs()} is read once before the task gets a run
   * of records, so a record that opens a batch right after a flush in the same run would be stamped with a time
   * from before that flush's model call, and its batch flushed half-full at the next punctuation
   * (docs/benchmarks.md): the stamp is moved on by the time this task spent flushing since the clock was read.
   */
  private long arrivalTime() {
    long cached = context.currentSystemTimeMs();
    return cached == clockAtFlush ? cached + flushNanosSinceClock / 1_000_000 : cached;
  }

  private void flushedSince(long cached, long nanos) {
    if (cached != clockAtFlush) {
      clockAtFlush = cached;
      flushNanosSinceClock = 0;
    }
    flushNanosSinceClock += nanos;
  }

  private void flushIfOverdue(long now) {
    if (pending == 0) {
      // an idle task lets go of a retired model too, so that it can be closed
      inference.followLineup();
      return;
    }
    if (oldestPendingSince == Long.MIN_VALUE || now - oldestPendingSince >= maxWait.toMillis()) {
      task.working();
      try {
        flush();
        if (commitPartialBatches) {
          // under exactly-once a read_committed consumer sees the verdicts only once their transaction commits
          context.commit();
        }
      } finally {
        task.idle(pending);
      }
    }
  }

  /**
   * Classifies the buffered batch and forwards every outcome, or nothing: each output is built before the first
   * is forwarded, so an exception leaves the buffer as it was and, under exactly-once, aborts the transaction
   * rather than letting a later flush send the same verdicts again. Whatever goes wrong, the flush fails the task
   * ({@link FlushAbortedException}): a batch's records are in the buffer already, so an exception handler that
   * dead-letters the record being processed and goes on would send that record twice, or wedge the partition on a
   * batch that fails at every punctuation.
   */
  private void flush() {
    long closedAt = System.currentTimeMillis();
    long started = System.nanoTime();
    try {
      inference.followLineup();
      List<KeyValue<Long, BufferedRecord>> buffered = new ArrayList<>(pending);
      try (KeyValueIterator<Long, BufferedRecord> entries = buffer.all()) {
        entries.forEachRemaining(buffered::add);
      }
      List<Record<String, Outcome>> outputs = new ArrayList<>();
      BatchVerdicts.Verdicts verdicts = classify(buffered, outputs, started);
      flushedSince(context.currentSystemTimeMs(), System.nanoTime() - started);
      outputs.forEach(context::forward);
      metrics.commits().forwarded(buffered.size(), context.currentSystemTimeMs());
      for (KeyValue<Long, BufferedRecord> entry : buffered) {
        Arrived arrived = decoded.get(entry.key);
        if (arrived != null) {
          metrics.batchingWait(closedAt - arrived.readAt());
        }
      }
      // after the outputs, so that even without exactly-once a crash in between duplicates rather than loses
      clear(buffered);
      // only now: progress (which readiness reads) must not count outputs a failed send threw away
      verdicts.addTo(metrics);
    } catch (FlushAbortedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new FlushAbortedException("task " + context.taskId() + ": a batch of " + pending + " could not be "
          + "classified and sent whole (" + e + "); aborting it to retry from the last commit", e);
    }
  }

  /**
   * Classifies the batch into {@code outputs}: its verdicts and dead letters, then its accuracy figures.
   *
   * @param closed when the batch was closed ({@link System#nanoTime})
   */
  private BatchVerdicts.Verdicts classify(List<KeyValue<Long, BufferedRecord>> buffered,
      List<Record<String, Outcome>> outputs, long closed) {
    List<BatchVerdicts.Entry> entries = new ArrayList<>(buffered.size());
    for (KeyValue<Long, BufferedRecord> entry : buffered) {
      entries.add(entry(entry.key, entry.value));
    }
    List<byte[]> pixels = BatchVerdicts.pixels(entries);
    BatchInference.Result result = null;
    if (!pixels.isEmpty()) {
      metrics.modelQueue(System.nanoTime() - closed);
      result = inference.classify(pixels);
    }
    long now = context.currentSystemTimeMs();
    BatchVerdicts.Verdicts verdicts = BatchVerdicts.of(entries, result, now, deadLetterLimit);
    outputs.addAll(verdicts.outputs());
    if (result == null) {
      return verdicts;
    }
    for (ClassifiedItem item : verdicts.items()) {
      metrics.endToEnd(item.getCaptureTime().toEpochMilli(), now);
    }
    List<AccuracyAggregates.Partial> partials = new ArrayList<>(aggregates.partials(verdicts.items(), now));
    if (result.shadow() != null) {
      partials.addAll(aggregates.shadowPartials(verdicts.items(), verdicts.shadowOfItems(), result.shadowVersion(),
          now));
    }
    for (AccuracyAggregates.Partial partial : partials) {
      outputs.add(new Record<>(partial.scopeKey(), new Outcome.Figure(partial.figure()), partial.timestamp()));
    }
    return verdicts;
  }

  /**
   * A buffered record as the batch takes it. A record restored from the changelog was decoded on arrival by an
   * earlier owner of the task and is decoded again: a registry outage propagates (no dead letter), and only a
   * record that is bad now goes to the dead-letter topic.
   */
  private BatchVerdicts.Entry entry(long sequence, BufferedRecord record) {
    Arrived arrived = decoded.get(sequence);
    if (arrived != null) {
      return BatchVerdicts.Entry.decoded(record, arrived.image());
    }
    try {
      return BatchVerdicts.Entry.decoded(record, decoder.decode(record.topic(), record.headers(), record.value()));
    } catch (RuntimeException e) {
      if (DeadLetters.isOutage(e)) {
        throw e;
      }
      return BatchVerdicts.Entry.invalid(record, e);
    }
  }

  private void clear(List<KeyValue<Long, BufferedRecord>> batch) {
    for (KeyValue<Long, BufferedRecord> entry : batch) {
      buffer.delete(entry.key);
    }
    decoded.clear();
    pending = 0;
    nextSequence = 0;
  }

  @Override
  public void close() {
    // Pending records stay in the changelogged store: whoever runs this task next classifies them.
    if (task != null) {
      task.close();
      task = null;
    }
    if (inference != null) {
      inference.close();
      inference = null;
    }
  }
}
