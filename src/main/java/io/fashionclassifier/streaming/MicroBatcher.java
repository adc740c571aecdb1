package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * <p>The model runs off the stream thread, on {@link InferenceWorkers}: a closed batch is handed over and the
 * stream thread goes on reading and buffering the next one (and Kafka Streams goes on committing). Its outcomes are
 * forwarded, and its records removed from the store, on the stream thread, at the first {@link #process} or
 * punctuation after the model is done, so the two are in one transaction. A commit while a batch is in flight
 * commits its records as still buffered: after a crash they are restored and classified again, and the verdicts
 * of the batch that was in flight were never sent. At most one batch per task is in flight; the next full one
 * waits for it (the model, not Kafka, is then the bottleneck).
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
  /**
   * How often a task looks whether the model is done with its batch when no record arrives to make it look: a
   * batch the model has finished waits at most this long (and a poll) before it is forwarded.
   */
  static final Duration COLLECT_INTERVAL = Duration.ofMillis(5);

  private final String storeName;
  private final int batchSize;
  private final Duration maxWait;
  private final AccuracyAggregates aggregates;
  private final ImageDecoder decoder;
  private final Supplier<ModelLineup> models;
  private final ClassifierMetrics metrics;
  private final InferenceWorkers workers;

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
  /** Buffered records not in the batch in flight. */
  private int pending;
  /** The batch with the model, or null. */
  private InFlight inFlight;
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
      int maxRecordBytes,
      InferenceWorkers workers) {
    this.workers = workers;
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
    inFlight = null;
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
    task.idle(held());
    Duration interval = maxWait.dividedBy(2).isZero() ? Duration.ofMillis(1) : maxWait.dividedBy(2);
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::flushIfOverdue);
    context.schedule(COLLECT_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> {
      if (inFlight != null && inFlight.result().isDone()) {
        task.working();
        try {
          collectIfDone();
        } finally {
          task.idle(held());
        }
      }
    });
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    task.working();
    try {
      buffer(record);
    } finally {
      task.idle(held());
    }
  }

  /** The records this task holds unsent: pending, and in flight. */
  private int held() {
    return pending + (inFlight == null ? 0 : inFlight.records().size());
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
      // the batch before it must be back first: one batch per task in flight
      flush(false);
    } else {
      collectIfDone();
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
    collectIfDone();
    if (pending == 0) {
      if (inFlight == null) {
        // an idle task lets go of a retired model too, so that it can be closed
        inference.followLineup();
      }
      return;
    }
    if (inFlight == null && (oldestPendingSince == Long.MIN_VALUE || now - oldestPendingSince >= maxWait.toMillis())) {
      task.working();
      try {
        flush(true);
      } finally {
        task.idle(held());
      }
    }
  }

  /** Forwards the batch in flight if the model is done with it; never waits. */
  private void collectIfDone() {
    if (inFlight != null && inFlight.result().isDone()) {
      long started = System.nanoTime();
      collect();
      flushedSince(context.currentSystemTimeMs(), System.nanoTime() - started);
    }
  }

  /**
   * Closes a batch of the pending records and hands it to the model, once the batch in flight (if any) is back and
   * forwarded: the stream thread waits for the model only here, when the next batch is ready before the last is
   * done.
   *
   * @param partial whether the batch closes because it waited long enough rather than because it is full
   */
  private void flush(boolean partial) {
    long started = System.nanoTime();
    if (inFlight != null) {
      task.working();
      collect();
    }
    dispatch(partial);
    flushedSince(context.currentSystemTimeMs(), System.nanoTime() - started);
  }

  /**
   * The batch with the model: its records (the first {@code batchSize} of the store, oldest first), each as the
   * model takes it, and the model's result to come.
   *
   * @param closedAt when the batch closed (wall clock, epoch milliseconds)
   * @param closedNanos the same, {@link System#nanoTime}
   */
  private record InFlight(List<KeyValue<Long, BufferedRecord>> records, List<BatchVerdicts.Entry> entries,
      List<Long> readAt, long closedAt, long closedNanos, boolean partial,
      CompletableFuture<BatchInference.Result> result) {}

  private void dispatch(boolean partial) {
    long closedAt = System.currentTimeMillis();
    long closedNanos = System.nanoTime();
    List<KeyValue<Long, BufferedRecord>> records = new ArrayList<>(Math.min(pending, batchSize));
    try (KeyValueIterator<Long, BufferedRecord> entries = buffer.all()) {
      while (entries.hasNext() && records.size() < batchSize) {
        records.add(entries.next());
      }
    }
    List<BatchVerdicts.Entry> entries = new ArrayList<>(records.size());
    List<Long> readAt = new ArrayList<>(records.size());
    try {
      for (KeyValue<Long, BufferedRecord> record : records) {
        entries.add(entry(record.key, record.value));
        Arrived arrived = decoded.remove(record.key);
        readAt.add(arrived == null ? null : arrived.readAt());
      }
    } catch (RuntimeException e) {
      throw aborted(records.size(), e);
    }
    List<byte[]> pixels = BatchVerdicts.pixels(entries);
    CompletableFuture<BatchInference.Result> result;
    if (pixels.isEmpty()) {
      result = CompletableFuture.completedFuture(null);
    } else {
      result = workers.submit(() -> {
        metrics.modelQueue(System.nanoTime() - closedNanos);
        inference.followLineup();
        return inference.classify(pixels);
      });
    }
    pending -= records.size();
    // what is left was restored from the changelog: overdue already
    oldestPendingSince = pending > 0 ? Long.MIN_VALUE : oldestPendingSince;
    inFlight = new InFlight(records, entries, readAt, closedAt, closedNanos, partial, result);
    if (result.isDone()) {
      collect();
    }
  }

  /**
   * Forwards every outcome of the batch in flight and removes its records from the store, or does neither: each
   * output is built before the first is forwarded, so an exception leaves the buffer as it was and, under
   * exactly-once, aborts the transaction rather than letting a later flush send the same verdicts again. Whatever
   * goes wrong, the task fails ({@link FlushAbortedException}): a batch's records are in the buffer already, so an
   * exception handler that dead-letters the record being processed and goes on would send that record twice, or
   * wedge the partition on a batch that fails at every punctuation. Waits for the model if it is not done yet.
   */
  private void collect() {
    InFlight batch = inFlight;
    try {
      BatchInference.Result result = batch.result().join();
      List<Record<String, Outcome>> outputs = new ArrayList<>();
      BatchVerdicts.Verdicts verdicts = outcomes(batch.entries(), result, outputs);
      outputs.forEach(context::forward);
      metrics.commits().forwarded(batch.records().size(), context.currentSystemTimeMs());
      for (Long readAt : batch.readAt()) {
        if (readAt != null) {
          metrics.batchingWait(batch.closedAt() - readAt);
        }
      }
      // after the outputs, so that even without exactly-once a crash in between duplicates rather than loses
      for (KeyValue<Long, BufferedRecord> record : batch.records()) {
        buffer.delete(record.key);
      }
      inFlight = null;
      if (pending == 0) {
        nextSequence = 0;
      }
      // only now: progress (which readiness reads) must not count outputs a failed send threw away
      verdicts.addTo(metrics);
      if (batch.partial() && commitPartialBatches) {
        // under exactly-once a read_committed consumer sees the verdicts only once their transaction commits
        context.commit();
      }
    } catch (FlushAbortedException e) {
      throw e;
    } catch (CompletionException e) {
      throw aborted(batch.records().size(), e.getCause() == null ? e : e.getCause());
    } catch (RuntimeException e) {
      throw aborted(batch.records().size(), e);
    }
  }

  private FlushAbortedException aborted(int size, Throwable e) {
    return new FlushAbortedException("task " + context.taskId() + ": a batch of " + size + " could not be "
        + "classified and sent whole (" + e + "); aborting it to retry from the last commit", e);
  }

  /** The batch's outcomes into {@code outputs}: its verdicts and dead letters, then its accuracy figures. */
  private BatchVerdicts.Verdicts outcomes(List<BatchVerdicts.Entry> entries, BatchInference.Result result,
      List<Record<String, Outcome>> outputs) {
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

  @Override
  public void close() {
    // Pending records, and those of a batch in flight, stay in the changelogged store: whoever runs this task next
    // classifies them. The batch in flight is waited for (not forwarded) so that the model is not in use when the
    // classifiers are given back.
    if (inFlight != null) {
      try {
        inFlight.result().join();
      } catch (RuntimeException e) {
        log.debug("task {}: the batch in flight at close failed ({}); its records stay buffered", context.taskId(),
            e.toString());
      }
      inFlight = null;
    }
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
