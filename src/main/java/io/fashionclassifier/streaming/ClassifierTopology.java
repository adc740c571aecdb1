package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.ModelHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Window;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The stream classifier:
 *
 * <pre>
 * inventory-images (raw bytes)
 *   -> micro-batcher: decode + validate (failures: Kafka Streams' DLQ), buffer in a changelogged store,
 *      classify N at a time or after the max wait (failures: own DLQ path)
 *   -> classified-items (key: item id)
 *   -> per batch, partial figures keyed by scope (OVERALL:all, SCANNER:id, WAREHOUSE:id, CLASS:label,
 *      MODEL:version, SHADOW:shadow/active when a shadow model runs) and window of capture time (bounded future
 *      skew: AccuracyAggregates)
 *   -> SCANNER and WAREHOUSE partials only: repartition into one partition (accuracy-admission) -> the first
 *      max-keys ids of each scope keep their key, the others become &lt;scope&gt;:(other) (AdmittedIds, its
 *      decisions in the changelogged store accuracy-admitted-ids)
 *   -> repartition (accuracy-partials) -> cumulative and tumbling-window (1 minute by default) sums
 *   -> stamped with the classifier's clock -> accuracy-aggregates (compact,delete)
 * verdicts -> label-free model health per scanner, warehouse and model version -> model-health (HealthTopology)
 * </pre>
 *
 * <p>With audits or the review queue on, {@link QualityTopology} adds its part: the review queue fed by the
 * verdicts, and the audit join, whose partial figures join the scan partials before the admission.
 *
 * <p>Built without I/O, so tests run the very same topology in a {@code TopologyTestDriver}.
 */
public final class ClassifierTopology {

  /** The micro-batch buffer. */
  public static final String BUFFER_STORE = "inference-buffer";
  /** The admitted scanner and warehouse ids ({@link AdmittedIds}). */
  static final String ADMITTED_STORE = "accuracy-admitted-ids";
  /**
   * The single-partition repartition topic ({@code <application.id>-accuracy-admission-repartition}) that every
   * SCANNER and WAREHOUSE partial passes through, so that one task decides which ids are admitted.
   */
  static final String ADMISSION_TOPIC = "accuracy-admission";
  private ClassifierTopology() {}

  /**
   * Topic names, batching and the accuracy figures.
   *
   * @param window size of the tumbling windows of the windowed accuracy figures
   * @param windowGrace how late (by capture time) an item may arrive and still count in its window
   * @param maxFutureSkew how far ahead of the classifier's clock a capture time is believed; beyond it the item is
   *     windowed at the classifier's clock
   * @param maxKeysPerScope distinct scanner ids (and warehouse ids) the application counts under their own key;
   *     later ones count under {@code SCANNER:(other)} ({@code WAREHOUSE:(other)}), see {@link AdmittedIds}
   * @param commitPartialBatches whether a batch classified before it was full requests a commit, so that its
   *     verdicts are visible at once rather than at the next {@code commit.interval.ms}
   * @param inputMaxRecordBytes largest input record (key, value and headers, uncompressed) taken; larger ones are
   *     dead-lettered at arrival
   * @param health the label-free model-health figures ({@link HealthTopology})
   */
  public record Settings(
      String inputTopic,
      String classifiedTopic,
      String aggregatesTopic,
      String deadLetterTopic,
      int batchSize,
      Duration maxBatchWait,
      Duration window,
      Duration windowGrace,
      Duration maxFutureSkew,
      int maxKeysPerScope,
      boolean commitPartialBatches,
      int inputMaxRecordBytes,
      HealthTopology.Settings health) {

    /** These settings with other accuracy-figure bounds. */
    public Settings withAggregateBounds(Duration maxFutureSkew, int maxKeysPerScope) {
      return new Settings(inputTopic, classifiedTopic, aggregatesTopic, deadLetterTopic, batchSize, maxBatchWait,
          window, windowGrace, maxFutureSkew, maxKeysPerScope, commitPartialBatches, inputMaxRecordBytes, health);
    }
  }

  /** The Avro serdes, configured for the schema registry in use. */
  public record AvroSerdes(
      Deserializer<InventoryImage> images, Serde<ClassifiedItem> classifiedItems, Serde<AccuracyAggregate> aggregates,
      Serde<ModelHealth> health) {}

  /**
   * Adds the classifier to {@code builder}, its micro-batchers reporting to {@code progress} (liveness); each
   * batch is classified on the stream thread that closes it.
   *
   * @param classifiers called once per task (so never shared between stream threads); the task closes it
   */
  public static void build(
      StreamsBuilder builder,
      Settings settings,
      AvroSerdes serdes,
      Supplier<BatchClassifier> classifiers,
      ClassifierMetrics metrics,
      StreamProgress progress) {
    build(builder, settings, serdes, ModelSource.fixed(classifiers), metrics, progress, InferenceWorkers.sameThread());
  }

  /**
   * Adds the classifier to {@code builder}, classifying with the lineup {@code models} holds at each batch, on
   * {@code workers}.
   */
  static void build(
      StreamsBuilder builder,
      Settings settings,
      AvroSerdes serdes,
      ModelSource models,
      ClassifierMetrics metrics,
      StreamProgress progress,
      InferenceWorkers workers) {
    build(builder, settings, serdes, models, metrics, progress, workers, QualityTopology.Settings.NONE, null);
  }

  /**
   * Adds the classifier to {@code builder}, with the audits and the review queue {@code quality} asks for
   * ({@link QualityTopology}).
   *
   * @param qualitySerdes the serdes of audits, audited items and review requests; unused when neither runs
   */
  static void build(
      StreamsBuilder builder,
      Settings settings,
      AvroSerdes serdes,
      ModelSource models,
      ClassifierMetrics metrics,
      StreamProgress progress,
      InferenceWorkers workers,
      QualityTopology.Settings quality,
      QualityTopology.AvroSerdes qualitySerdes) {
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(BUFFER_STORE), Serdes.Long(), new BufferedRecord.StoreSerde())
            .withLoggingEnabled(Map.of())
            .withCachingDisabled());

    Map<String, KStream<String, Outcome>> outcomes =
        builder.stream(settings.inputTopic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
            .process(
                () -> new MicroBatcher(
                    BUFFER_STORE, settings.batchSize(), settings.maxBatchWait(),
                    new AccuracyAggregates(settings.window(), settings.maxFutureSkew(), metrics.registry()),
                    serdes.images(), models, metrics, progress, settings.commitPartialBatches(),
                    settings.inputMaxRecordBytes(), workers),
                Named.as("micro-batcher"),
                BUFFER_STORE)
            .split(Named.as("outcome-"))
            .branch((key, outcome) -> outcome instanceof Outcome.Classified, Branched.as("classified"))
            .branch((key, outcome) -> outcome instanceof Outcome.Figure, Branched.as("figure"))
            .defaultBranch(Branched.as("dead-letter"));

    outcomes.get("outcome-dead-letter")
        .map((key, outcome) -> {
          Outcome.DeadLetter letter = (Outcome.DeadLetter) outcome;
          return KeyValue.pair(letter.key(), letter.value());
        }, Named.as("original-bytes"))
        .to(settings.deadLetterTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

    KStream<String, ClassifiedItem> verdicts = outcomes.get("outcome-classified")
        .mapValues(outcome -> ((Outcome.Classified) outcome).item(), Named.as("verdict"));
    verdicts.to(settings.classifiedTopic(), Produced.with(Serdes.String(), serdes.classifiedItems()));

    KStream<String, AccuracyAggregate> figures = outcomes.get("outcome-figure")
        .mapValues(outcome -> ((Outcome.Figure) outcome).partial(), Named.as("partial-figure"));
    ReviewSample sample = quality.sample();
    if (quality.review().isPresent()) {
      QualityTopology.review(builder, quality.review().get(), sample, verdicts, serdes.images(), qualitySerdes,
          metrics);
    }
    if (quality.audits().isPresent()) {
      // the audited counts pass through the same admission and aggregation as the scan figures
      figures = figures.merge(QualityTopology.audits(builder, quality.audits().get(), sample, settings, verdicts,
          serdes.classifiedItems(), qualitySerdes, metrics), Named.as("scan-and-audit-partials"));
    }

    Map<String, KStream<String, AccuracyAggregate>> partials =
        figures
            .split(Named.as("partial-"))
            .branch((scopeKey, partial) -> AdmittedIds.bounded(scopeKey), Branched.as("bounded"))
            .defaultBranch(Branched.as("unbounded"));

    // The merge below puts the admission in the input's sub-topology: every input task has this store, and only
    // the task of input partition 0, the one that also reads the admission topic's single partition, fills it.
    // In memory: at most max-keys ids per scope, restored from the changelog in moments.
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ADMITTED_STORE), Serdes.String(), Serdes.Long())
            .withLoggingEnabled(Map.of()));
    KStream<String, AccuracyAggregate> admitted =
        partials.get("partial-bounded")
            .repartition(Repartitioned.<String, AccuracyAggregate>as(ADMISSION_TOPIC)
                .withKeySerde(Serdes.String())
                .withValueSerde(serdes.aggregates())
                .withNumberOfPartitions(1))
            .process(() -> new AdmittedIds(ADMITTED_STORE, settings.maxKeysPerScope(), metrics.registry()),
                Named.as("admitted-ids"), ADMITTED_STORE);

    KStream<String, AccuracyAggregate> byScope =
        partials.get("partial-unbounded")
            .merge(admitted, Named.as("admitted-partials"))
            .repartition(Repartitioned.<String, AccuracyAggregate>as("accuracy-partials")
                .withKeySerde(Serdes.String())
                .withValueSerde(serdes.aggregates()));

    byScope
        .groupByKey(Grouped.with(Serdes.String(), serdes.aggregates()))
        .aggregate(
            AccuracyAggregates::empty,
            AccuracyAggregates::merge,
            Named.as("cumulative-accuracy"),
            Materialized.<String, AccuracyAggregate, KeyValueStore<Bytes, byte[]>>as("cumulative-accuracy")
                .withKeySerde(Serdes.String())
                .withValueSerde(serdes.aggregates()))
        .toStream()
        .processValues(StampedNow::new, Named.as("cumulative-stamped-now"))
        .to(settings.aggregatesTopic(), Produced.with(Serdes.String(), serdes.aggregates()));

    KStream<String, AccuracyAggregate> windowed = quality.audits().isEmpty() ? byScope
        : byScope.processValues(() -> new LateScanFigures(settings.window(), settings.windowGrace(),
            metrics.registry()), Named.as("late-scan-figures"));
    windowed
        .groupByKey(Grouped.with(Serdes.String(), serdes.aggregates()))
        .windowedBy(TimeWindows.ofSizeAndGrace(settings.window(), quality.windowGrace(settings)))
        .aggregate(
            AccuracyAggregates::empty,
            AccuracyAggregates::merge,
            Named.as("windowed-accuracy"),
            Materialized.<String, AccuracyAggregate, WindowStore<Bytes, byte[]>>as("windowed-accuracy")
                .withKeySerde(Serdes.String())
                .withValueSerde(serdes.aggregates()))
        .toStream()
        .map((window, figure) -> KeyValue.pair(windowedKey(window), inWindow(figure, window.window())),
            Named.as("windowed-key"))
        .processValues(StampedNow::new, Named.as("windowed-stamped-now"))
        .to(settings.aggregatesTopic(), Produced.with(Serdes.String(), serdes.aggregates()));

    // last, so that the sub-topologies above keep their numbers (their task ids, and so their state directories)
    if (settings.health().enabled()) {
      HealthTopology.addTo(builder, verdicts, settings.health(), settings, serdes.health(), models::calibration,
          metrics.registry());
    }
  }

  /** {@code <scope>:<key>@<windowStart epoch millis>}. */
  static String windowedKey(Windowed<String> window) {
    return AccuracyAggregates.windowedKey(window.key(), window.window().start());
  }

  /**
   * Stamps each figure with the classifier's clock, so that the aggregates topic's time retention
   * ({@code cleanup.policy=compact,delete}) reads "a figure not updated for {@code retention.ms} leaves the topic"
   * whatever the capture times were: closed windows leave, a cumulative figure stays as long as it is updated.
   */
  private static final class StampedNow implements FixedKeyProcessor<String, AccuracyAggregate, AccuracyAggregate> {
    private FixedKeyProcessorContext<String, AccuracyAggregate> context;

    @Override
    public void init(FixedKeyProcessorContext<String, AccuracyAggregate> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, AccuracyAggregate> record) {
      context.forward(record.withTimestamp(context.currentSystemTimeMs()));
    }
  }

  private static AccuracyAggregate inWindow(AccuracyAggregate figure, Window window) {
    return AccuracyAggregate.newBuilder(figure)
        .setWindowStart(Instant.ofEpochMilli(window.start()))
        .setWindowEnd(Instant.ofEpochMilli(window.end()))
        .build();
  }
}
