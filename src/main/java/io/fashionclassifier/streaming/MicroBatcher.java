package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.serde.AvroSerializationException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.avro.generic.GenericContainer;
import org.apache.kafka.common.header.Headers;
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
 * Collects input images into batches and classifies each batch with one call to the model: when the batch holds
 * {@code batchSize} images, or when its oldest image has waited {@code maxWait} (wall-clock punctuation). It
 * forwards one verdict per image, then the batch's partial accuracy figures per scope and window
 * ({@link AccuracyAggregates#partials}).
 *
 * <p>The batch lives in a changelogged state store, written in the same transaction as the input offsets under
 * exactly-once: a record whose offset is committed is either already classified or still in the store, and a
 * restarted (or migrated) task flushes what it restores at its first punctuation. Nothing is lost or classified
 * twice.
 *
 * <p>Each instance (one per task) takes its own {@link BatchClassifier} from the current {@link ModelLineup} and
 * closes it in {@link #close}: DJL predictors are not thread-safe and each stream thread runs its tasks'
 * processors. Before each batch (and when idle, at punctuation) it looks whether the lineup changed, and if so
 * closes the classifier it had, whose last batch is done, and takes one of the new version: every batch, and so
 * every item, is classified by exactly one version, the one its verdict's {@code modelVersion} names. A shadow
 * model in the lineup classifies the same batches; its verdicts are not published, only its figures
 * ({@link AccuracyAggregates#shadowPartials}).
 *
 * <p>Values are decoded here rather than by the source's serde so that the original bytes stay at hand for the
 * dead-letter topic. A value that does not decode or validate makes {@link #process} throw, and Kafka Streams'
 * processing exception handler sends the original record to the dead-letter topic (KIP-1034). A registry outage
 * is not the record's fault: it propagates, here and at flush, and the application retries from the last commit
 * ({@link DeadLetters#isOutage}). Each value is decoded once; only records restored from the changelog are decoded
 * again, at flush.
 */
final class MicroBatcher implements Processor<byte[], byte[], String, Outcome> {

  private static final Logger log = LoggerFactory.getLogger(MicroBatcher.class);
  static final int TOP_K = 3;
  private static final FashionClass[] CLASSES = FashionClass.values();

  private final String storeName;
  private final int batchSize;
  private final Duration maxWait;
  private final AccuracyAggregates aggregates;
  private final Deserializer<InventoryImage> images;
  private final Supplier<ModelLineup> models;
  private final ClassifierMetrics metrics;

  private final StreamProgress progress;
  private final boolean commitPartialBatches;
  private final int maxRecordBytes;
  private StreamProgress.Task task;
  private ProcessorContext<String, Outcome> context;
  private KeyValueStore<Long, BufferedRecord> buffer;
  private ServedModel activeModel;
  private BatchClassifier classifier;
  private ServedModel shadowModel;
  private BatchClassifier shadow;
  /** An image with its checked pixels, as the model takes them. */
  private record Decoded(InventoryImage image, byte[] pixels) {}

  /** The buffered records, decoded on arrival; absent for records restored from the changelog. */
  private final Map<Long, Decoded> decoded = new HashMap<>();
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
    this.images = images;
    this.models = models;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Outcome> context) {
    this.context = context;
    this.buffer = context.getStateStore(storeName);
    followLineup();
    this.deadLetterLimit = DeadLetters.sizeLimit(context.appConfigs());
    // init runs again on the same instance when a suspended task resumes: count the store afresh
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
    RecordMetadata source = context.recordMetadata().orElseThrow();
    // throw for a bad record, which the processing exception handler sends to the dead-letter topic
    InventoryImages.checkRecordSize(record.key(), record.value(), record.headers(), maxRecordBytes);
    Decoded image = decode(source.topic(), record.headers(), record.value());

    if (pending == 0) {
      oldestPendingSince = arrivalTime();
    }
    long sequence = nextSequence++;
    buffer.put(
        sequence,
        new BufferedRecord(
            record.key(), record.value(), new RecordHeaders(record.headers().toArray()),
            source.topic(), source.partition(), source.offset(), record.timestamp()));
    decoded.put(sequence, image);
    pending++;
    if (pending >= batchSize) {
      flush();
    }
  }

  /**
   * The value as an image the model can take, or an exception saying why not: poison pills and invalid images
   * ({@link InvalidImageException}, {@link io.fashionclassifier.serde.AvroSerializationException}) go to the
   * dead-letter topic; a registry outage propagates and the stream thread retries from the last commit.
   */
  private Decoded decode(String topic, Headers headers, byte[] value) {
    Object datum;
    try {
      // through a wildcard type: a writer schema of another type must not meet a cast the compiler put here
      datum = ((Deserializer<?>) images).deserialize(topic, headers, value);
    } catch (AvroSerializationException e) {
      throw e; // a poison pill, or a registry outage that must not become a dead letter
    } catch (RuntimeException e) {
      // decoding depends on the bytes alone once the registry answered: whatever else it throws (a
      // ClassCastException, which Kafka Streams would take for a topology bug, or an Avro runtime error) is the
      // record's fault
      throw new InvalidImageException("the value does not decode into an InventoryImage: " + e, e);
    }
    if (datum == null) {
      throw new InvalidImageException("the record has no value (tombstone)");
    }
    if (!(datum instanceof InventoryImage image)) {
      throw new InvalidImageException("the value is a " + describe(datum) + ", not an InventoryImage");
    }
    return new Decoded(image, InventoryImages.validatedPixels(image));
  }

  private static String describe(Object datum) {
    return datum instanceof GenericContainer container
        ? container.getSchema().getType().getName() + " " + container.getSchema().getFullName()
        : datum.getClass().getSimpleName();
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
      followLineup();
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
   * Moves to the current lineup's models if they changed since the last batch: the classifier of the old version
   * is closed here, after its last batch and before the first of the new one.
   */
  private void followLineup() {
    ModelLineup lineup = models.get();
    while (lineup.active() != activeModel) {
      BatchClassifier next = lineup.active().lease();
      if (next != null) {
        if (classifier != null) {
          log.info("task {}: model {} from this batch on (was {})", context.taskId(), next.modelVersion(),
              classifier.modelVersion());
          classifier.close();
        }
        classifier = next;
        activeModel = lineup.active();
      } else {
        // retired and closed in the meantime: a newer lineup is already out
        lineup = models.get();
      }
    }
    if (lineup.shadow() != shadowModel) {
      if (shadow != null) {
        shadow.close();
        shadow = null;
      }
      shadowModel = null;
      if (lineup.shadow() != null) {
        shadow = lineup.shadow().lease();
        shadowModel = shadow == null ? null : lineup.shadow();
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
    try {
      followLineup();
      List<KeyValue<Long, BufferedRecord>> buffered = new ArrayList<>(pending);
      try (KeyValueIterator<Long, BufferedRecord> entries = buffer.all()) {
        entries.forEachRemaining(buffered::add);
      }
      long started = System.nanoTime();
      Counts counts = new Counts();
      List<Record<String, Outcome>> outputs = outcomes(buffered, counts);
      flushedSince(context.currentSystemTimeMs(), System.nanoTime() - started);
      outputs.forEach(context::forward);
      // after the outputs, so that even without exactly-once a crash in between duplicates rather than loses
      clear(buffered);
      // only now: progress (which readiness reads) must not count outputs a failed send threw away
      counts.addTo(metrics);
    } catch (FlushAbortedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new FlushAbortedException("task " + context.taskId() + ": a batch of " + pending + " could not be "
          + "classified and sent whole (" + e + "); aborting it to retry from the last commit", e);
    }
  }

  /** What a batch's outputs count for, once they are sent. */
  private static final class Counts {
    private final Map<ClassifierMetrics.Reason, Integer> deadLetters = new EnumMap<>(ClassifierMetrics.Reason.class);
    private int truncated;
    private int classified;

    void deadLetter(ClassifierMetrics.Reason reason, boolean wasTruncated) {
      deadLetters.merge(reason, 1, Integer::sum);
      truncated += wasTruncated ? 1 : 0;
    }

    void addTo(ClassifierMetrics metrics) {
      deadLetters.forEach(metrics::deadLetters);
      for (int i = 0; i < truncated; i++) {
        metrics.deadLetterTruncated();
      }
      metrics.recordsOut(classified);
    }
  }

  private List<Record<String, Outcome>> outcomes(List<KeyValue<Long, BufferedRecord>> buffered, Counts counts) {
    List<Record<String, Outcome>> outputs = new ArrayList<>(buffered.size() * 2 + 8);
    List<BufferedRecord> batch = new ArrayList<>(buffered.size());
    List<InventoryImage> valid = new ArrayList<>(buffered.size());
    List<byte[]> pixels = new ArrayList<>(buffered.size());
    for (KeyValue<Long, BufferedRecord> entry : buffered) {
      BufferedRecord record = entry.value;
      Decoded image = decoded.get(entry.key);
      try {
        if (image == null) {
          // restored from the changelog: decoded on arrival by an earlier owner of the task. A registry outage
          // propagates (no dead letter); only a record that is bad now goes to the dead-letter topic.
          image = decode(record.topic(), record.headers(), record.value());
        }
        pixels.add(image.pixels());
        valid.add(image.image());
        batch.add(record);
      } catch (RuntimeException e) {
        if (DeadLetters.isOutage(e)) {
          throw e;
        }
        outputs.add(deadLetter(record, e, ClassifierMetrics.Reason.PROCESSING, counts));
      }
    }
    if (batch.isEmpty()) {
      return outputs;
    }

    Prediction[] predictions = new Prediction[batch.size()];
    RuntimeException[] failures = new RuntimeException[batch.size()];
    String modelVersion = classifier.modelVersion();
    long started = System.nanoTime();
    predict(pixels, 0, pixels.size(), predictions, failures);
    metrics.batch(batch.size(), System.nanoTime() - started, modelVersion, ClassifierMetrics.ACTIVE);
    List<Prediction> shadowed = shadowPredict(pixels);

    long now = context.currentSystemTimeMs();
    List<ClassifiedItem> items = new ArrayList<>(batch.size());
    List<Prediction> shadowOfItems = new ArrayList<>(shadowed == null ? 0 : batch.size());
    int failed = 0;
    for (int i = 0; i < batch.size(); i++) {
      if (failures[i] != null) {
        outputs.add(deadLetter(batch.get(i), failures[i], ClassifierMetrics.Reason.PREDICTION, counts));
        failed++;
        continue;
      }
      ClassifiedItem item = classifiedItem(valid.get(i), predictions[i], modelVersion, now);
      long timestamp = batch.get(i).timestamp();
      outputs.add(new Record<>(item.getItemId(), new Outcome.Classified(item), timestamp));
      metrics.endToEnd(item.getCaptureTime().toEpochMilli(), now);
      items.add(item);
      if (shadowed != null) {
        shadowOfItems.add(shadowed.get(i));
      }
    }
    if (failed > 0) {
      log.warn("task {}: the model failed on {} of {} images; those went to the dead-letter topic",
          context.taskId(), failed, batch.size());
    }
    List<AccuracyAggregates.Partial> partials = new ArrayList<>(aggregates.partials(items, now));
    if (shadowed != null) {
      partials.addAll(aggregates.shadowPartials(items, shadowOfItems, shadow.modelVersion(), now));
    }
    for (AccuracyAggregates.Partial partial : partials) {
      outputs.add(new Record<>(partial.scopeKey(), new Outcome.Figure(partial.figure()), partial.timestamp()));
    }
    counts.classified = items.size();
    return outputs;
  }

  /**
   * The shadow model's predictions for the whole batch, or null when nothing is shadowed or the shadow fails: a
   * candidate's failure costs its figures for the batch, never a verdict.
   */
  private List<Prediction> shadowPredict(List<byte[]> pixels) {
    if (shadow == null) {
      return null;
    }
    String version = shadow.modelVersion();
    long started = System.nanoTime();
    try {
      List<Prediction> result = shadow.classify(pixels);
      if (result.size() != pixels.size()) {
        throw new IllegalStateException(
            "the model returned " + result.size() + " predictions for " + pixels.size() + " images");
      }
      metrics.batch(pixels.size(), System.nanoTime() - started, version, ClassifierMetrics.SHADOW);
      return result;
    } catch (RuntimeException e) {
      metrics.shadowFailed(version);
      log.warn("task {}: shadow model {} failed on a batch of {} ({}); its figures leave the batch out",
          context.taskId(), version, pixels.size(), e.toString());
      return null;
    }
  }

  /**
   * Classifies {@code pixels[from, to)}; when the model fails on a batch, each half is tried on its own, so only
   * the images it really fails on are dead-lettered (a systematic failure costs 2n-1 calls, once).
   */
  private void predict(List<byte[]> pixels, int from, int to, Prediction[] predictions, RuntimeException[] failures) {
    try {
      List<Prediction> result = classifier.classify(pixels.subList(from, to));
      if (result.size() != to - from) {
        throw new IllegalStateException(
            "the model returned " + result.size() + " predictions for " + (to - from) + " images");
      }
      for (int i = from; i < to; i++) {
        predictions[i] = result.get(i - from);
      }
    } catch (RuntimeException e) {
      if (to - from == 1) {
        failures[from] = e;
        return;
      }
      int middle = (from + to) >>> 1;
      predict(pixels, from, middle, predictions, failures);
      predict(pixels, middle, to, predictions, failures);
    }
  }

  /** KIP-1034 has no source record for a punctuator's failures: this is the same dead letter, sent by hand. */
  private Record<String, Outcome> deadLetter(BufferedRecord record, Exception error, ClassifierMetrics.Reason reason,
      Counts counts) {
    DeadLetters.Letter letter = DeadLetters.letter(
        record, error, Instant.ofEpochMilli(context.currentSystemTimeMs()), deadLetterLimit);
    counts.deadLetter(reason, letter.truncated());
    return new Record<String, Outcome>(
        null, new Outcome.DeadLetter(letter.key(), letter.value()), record.timestamp(), letter.headers());
  }

  private void clear(List<KeyValue<Long, BufferedRecord>> batch) {
    for (KeyValue<Long, BufferedRecord> entry : batch) {
      buffer.delete(entry.key);
    }
    decoded.clear();
    pending = 0;
    nextSequence = 0;
  }

  static ClassifiedItem classifiedItem(
      InventoryImage image, Prediction prediction, String modelVersion, long classifiedTime) {
    List<LabelScore> topK = new ArrayList<>(TOP_K);
    for (Prediction.Score score : prediction.topK(TOP_K)) {
      topK.add(new LabelScore(CLASSES[score.label()], score.probability()));
    }
    FashionClass predicted = CLASSES[prediction.label()];
    FashionClass trueLabel = image.getLabel();
    return ClassifiedItem.newBuilder()
        .setItemId(image.getItemId())
        .setScannerId(image.getScannerId())
        .setWarehouseId(image.getWarehouseId())
        .setCaptureTime(image.getCaptureTime())
        .setPredictedLabel(predicted)
        .setConfidence(prediction.confidence())
        .setTopK(topK)
        .setModelVersion(modelVersion)
        .setClassifiedTime(Instant.ofEpochMilli(classifiedTime))
        .setTrueLabel(trueLabel)
        .setCorrect(trueLabel == null ? null : trueLabel == predicted)
        .build();
  }

  @Override
  public void close() {
    // Pending records stay in the changelogged store: whoever runs this task next classifies them.
    if (task != null) {
      task.close();
      task = null;
    }
    if (classifier != null) {
      classifier.close();
      classifier = null;
      activeModel = null;
    }
    if (shadow != null) {
      shadow.close();
      shadow = null;
    }
    shadowModel = null;
  }
}
