package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.LabelScore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * <p>Each instance (one per task) takes its own {@link BatchClassifier} in {@link #init} and closes it in
 * {@link #close}: DJL predictors are not thread-safe and each stream thread runs its tasks' processors.
 *
 * <p>Values are decoded here rather than by the source's serde so that the original bytes stay at hand for the
 * dead-letter topic. A value that does not decode or validate makes {@link #process} throw, and Kafka Streams'
 * processing exception handler sends the original record to the dead-letter topic (KIP-1034).
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
  private final Supplier<BatchClassifier> classifiers;
  private final ClassifierMetrics metrics;

  private ProcessorContext<String, Outcome> context;
  private KeyValueStore<Long, BufferedRecord> buffer;
  private BatchClassifier classifier;
  private long nextSequence;
  private int pending;
  /** Wall-clock time the oldest pending record arrived; restored records count as overdue. */
  private long oldestPendingSince;

  MicroBatcher(
      String storeName,
      int batchSize,
      Duration maxWait,
      AccuracyAggregates aggregates,
      Deserializer<InventoryImage> images,
      Supplier<BatchClassifier> classifiers,
      ClassifierMetrics metrics) {
    this.storeName = storeName;
    this.batchSize = batchSize;
    this.maxWait = maxWait;
    this.aggregates = aggregates;
    this.images = images;
    this.classifiers = classifiers;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, Outcome> context) {
    this.context = context;
    this.buffer = context.getStateStore(storeName);
    this.classifier = classifiers.get();
    // init runs again on the same instance when a suspended task resumes: count the store afresh
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
    Duration interval = maxWait.dividedBy(2).isZero() ? Duration.ofMillis(1) : maxWait.dividedBy(2);
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::flushIfOverdue);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    metrics.recordIn();
    RecordMetadata source = context.recordMetadata().orElseThrow();
    // both throw for a bad record, which the processing exception handler sends to the dead-letter topic
    InventoryImage image = images.deserialize(source.topic(), record.headers(), record.value());
    if (image == null) {
      throw new InvalidImageException("the record has no value (tombstone)");
    }
    InventoryImages.validatedPixels(image);

    if (pending == 0) {
      oldestPendingSince = context.currentSystemTimeMs();
    }
    buffer.put(
        nextSequence++,
        new BufferedRecord(
            record.key(), record.value(), new RecordHeaders(record.headers().toArray()),
            source.topic(), source.partition(), source.offset(), record.timestamp()));
    pending++;
    if (pending >= batchSize) {
      flush();
    }
  }

  private void flushIfOverdue(long now) {
    if (pending > 0 && (oldestPendingSince == Long.MIN_VALUE || now - oldestPendingSince >= maxWait.toMillis())) {
      flush();
    }
  }

  private void flush() {
    List<KeyValue<Long, BufferedRecord>> buffered = new ArrayList<>(pending);
    try (KeyValueIterator<Long, BufferedRecord> entries = buffer.all()) {
      entries.forEachRemaining(buffered::add);
    }
    classifyAndForward(buffered);
    // after the outputs, so that even without exactly-once a crash in between duplicates rather than loses
    clear(buffered);
  }

  private void classifyAndForward(List<KeyValue<Long, BufferedRecord>> buffered) {
    List<BufferedRecord> batch = new ArrayList<>(buffered.size());
    List<InventoryImage> decoded = new ArrayList<>(buffered.size());
    List<byte[]> pixels = new ArrayList<>(buffered.size());
    for (KeyValue<Long, BufferedRecord> entry : buffered) {
      BufferedRecord record = entry.value;
      try {
        // decoded once already on arrival; only a registry outage could make this fail now
        InventoryImage image = images.deserialize(record.topic(), record.headers(), record.value());
        pixels.add(InventoryImages.validatedPixels(image));
        decoded.add(image);
        batch.add(record);
      } catch (RuntimeException e) {
        deadLetter(record, e, ClassifierMetrics.Reason.PROCESSING);
      }
    }
    if (batch.isEmpty()) {
      return;
    }

    List<Prediction> predictions;
    long started = System.nanoTime();
    try {
      predictions = classifier.classify(pixels);
      if (predictions.size() != pixels.size()) {
        throw new IllegalStateException(
            "the model returned " + predictions.size() + " predictions for " + pixels.size() + " images");
      }
    } catch (RuntimeException e) {
      log.warn("task {}: prediction failed for a batch of {}; sending it to the dead-letter topic: {}",
          context.taskId(), batch.size(), e.toString());
      for (BufferedRecord record : batch) {
        deadLetter(record, e, ClassifierMetrics.Reason.PREDICTION);
      }
      return;
    }
    metrics.batch(batch.size(), System.nanoTime() - started);

    long now = context.currentSystemTimeMs();
    String modelVersion = classifier.modelVersion();
    List<ClassifiedItem> items = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      ClassifiedItem item = classifiedItem(decoded.get(i), predictions.get(i), modelVersion, now);
      long timestamp = batch.get(i).timestamp();
      context.forward(new Record<String, Outcome>(item.getItemId(), new Outcome.Classified(item), timestamp));
      metrics.endToEnd(item.getCaptureTime().toEpochMilli(), now);
      items.add(item);
    }
    for (AccuracyAggregates.Partial partial : aggregates.partials(items, now)) {
      context.forward(new Record<String, Outcome>(
          partial.scopeKey(), new Outcome.Figure(partial.figure()), partial.timestamp()));
    }
    metrics.recordsOut(batch.size());
  }

  /** KIP-1034 has no source record for a punctuator's failures: this is the same dead letter, sent by hand. */
  private void deadLetter(BufferedRecord record, Exception error, ClassifierMetrics.Reason reason) {
    context.forward(new Record<String, Outcome>(
        null, new Outcome.DeadLetter(record.key(), record.value()), record.timestamp(),
        DeadLetters.headers(record, error, Instant.ofEpochMilli(context.currentSystemTimeMs()))));
    metrics.deadLetters(reason, 1);
  }

  private void clear(List<KeyValue<Long, BufferedRecord>> batch) {
    for (KeyValue<Long, BufferedRecord> entry : batch) {
      buffer.delete(entry.key);
    }
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
    if (classifier != null) {
      classifier.close();
    }
  }
}
