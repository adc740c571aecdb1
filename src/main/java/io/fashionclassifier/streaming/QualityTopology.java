package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The model's quality in production, next to the classifier ({@link ClassifierTopology}) and downstream of its
 * verdicts:
 *
 * <pre>
 * verdicts -> review selection (sample by item-id hash, or confidence / top-2 margin below threshold; the image
 *             read from the micro-batch buffer) -> repartition by scanner (review-budget)
 *          -> per-scanner hourly budget (store review-budget) -> review-requests (key: item id)
 *
 * verdicts + item-audits (decoded, bad ones dead-lettered) -> repartition by item id (audit-join)
 *          -> audit join (stores audit-verdicts, on disk, and audit-waiting, in memory: window stores of the
 *             retention)
 *          -> audited-items; dead letters (no verdict within the retention);
 *             partial figures of the audited counts -> the accuracy figures, through the same admission of
 *             scanner and warehouse ids
 * </pre>
 */
public final class QualityTopology {

  /** Verdicts kept for their audits, one per item id ({@link AuditJoin}). */
  static final String VERDICTS_STORE = "audit-verdicts";
  /** Audits that came before their verdict. */
  static final String WAITING_STORE = "audit-waiting";
  /** The repartition topic ({@code <application.id>-audit-join-repartition}) of verdicts and audits by item id. */
  static final String JOIN_TOPIC = "audit-join";
  /** Requests sent per scanner in its latest hour; also the name of the repartition topic by scanner id. */
  static final String BUDGET_STORE = "review-budget";

  private QualityTopology() {}

  /**
   * @param topic the audits' topic (Avro ItemAudit, key: item id)
   * @param auditedTopic where audited items go (Avro AuditedItem, key: item id)
   * @param retention how long a verdict waits for its audits, and an audit for its verdict
   */
  public record Audits(String topic, String auditedTopic, Duration retention) {
    public Audits {
      if (retention.toMillis() <= 0) {
        throw new IllegalArgumentException("audit retention must be positive");
      }
    }
  }

  /**
   * @param topic where review requests go (Avro ReviewRequest, key: item id)
   * @param confidenceBelow verdicts less confident than this are sent
   * @param marginBelow verdicts whose two most probable classes are closer than this are sent
   * @param sampleRate share of all items drawn at random (by a hash of item id and seed) whatever their confidence
   * @param budgetPerHour requests per scanner and hour beyond which the unsure ones are counted, not sent
   */
  public record Review(String topic, double confidenceBelow, double marginBelow, double sampleRate, long sampleSeed,
      int budgetPerHour) {}

  /** What runs: audits, the review queue, both or neither. */
  public record Settings(Optional<Audits> audits, Optional<Review> review) {
    /** Neither: the classifier alone. */
    public static final Settings NONE = new Settings(Optional.empty(), Optional.empty());

    /** The topics read or written: the audits' and the audited items' when audits run, the requests' when review does. */
    List<String> topics() {
      List<String> topics = new ArrayList<>(3);
      audits.ifPresent(a -> topics.addAll(List.of(a.topic(), a.auditedTopic())));
      review.ifPresent(r -> topics.add(r.topic()));
      return topics;
    }

    /** The random sample, also when only audits run (then nothing is sampled). */
    ReviewSample sample() {
      return review.map(r -> new ReviewSample(r.sampleRate(), r.sampleSeed())).orElse(new ReviewSample(0, 0));
    }

    /**
     * How long the windowed figures stay open: the scan grace, or, with audits, long enough for an audit that comes
     * at the end of the retention to reach its item's window (the scan grace and future skew bound how far the
     * windows' stream time may run ahead of a verdict's window time).
     */
    Duration windowGrace(ClassifierTopology.Settings classifier) {
      return audits.map(a -> a.retention().plus(classifier.windowGrace()).plus(classifier.maxFutureSkew()))
          .orElse(classifier.windowGrace());
    }
  }

  /** The Avro serdes of audits, audited items and review requests, configured for the schema registry in use. */
  public record AvroSerdes(Deserializer<ItemAudit> audits, Serde<AuditedItem> audited, Serde<ReviewRequest> reviews) {

    public static AvroSerdes of(Map<String, Object> serdeConfig) {
      SpecificAvroDeserializer<ItemAudit> audits = new SpecificAvroDeserializer<>(ItemAudit.class);
      audits.configure(serdeConfig, false);
      SpecificAvroSerde<AuditedItem> audited = new SpecificAvroSerde<>(AuditedItem.class);
      audited.configure(serdeConfig, false);
      SpecificAvroSerde<ReviewRequest> reviews = new SpecificAvroSerde<>(ReviewRequest.class);
      reviews.configure(serdeConfig, false);
      return new AvroSerdes(audits, audited, reviews);
    }
  }

  /** Adds the review queue, fed by {@code verdicts} (in the micro-batcher's sub-topology, for its buffer). */
  static void review(StreamsBuilder builder, Review review, ReviewSample sample,
      KStream<String, ClassifiedItem> verdicts, Deserializer<InventoryImage> images, AvroSerdes serdes,
      ClassifierMetrics metrics) {
    // in memory: one entry per scanner that sent requests in the last hours, restored from the changelog
    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BUDGET_STORE), Serdes.String(),
                new ReviewBudget.HourCount.StoreSerde())
            .withLoggingEnabled(Map.of()));
    verdicts
        .process(() -> new ReviewSelection(ClassifierTopology.BUFFER_STORE, sample, review.confidenceBelow(),
                review.marginBelow(), images, metrics.registry()),
            Named.as("review-selection"), ClassifierTopology.BUFFER_STORE)
        .repartition(Repartitioned.<String, ReviewRequest>as(BUDGET_STORE)
            .withKeySerde(Serdes.String())
            .withValueSerde(serdes.reviews()))
        .process(() -> new ReviewBudget(BUDGET_STORE, review.budgetPerHour(), metrics.registry()),
            Named.as("review-budget"), BUDGET_STORE)
        .to(review.topic(), Produced.with(Serdes.String(), serdes.reviews()));
  }

  /**
   * Adds the audit join, fed by {@code verdicts} and the audits topic, and returns the partial figures of the
   * audited counts, keyed by scope key like the micro-batcher's, for the accuracy figures to count.
   */
  static KStream<String, AccuracyAggregate> audits(StreamsBuilder builder, Audits audits, ReviewSample sample,
      ClassifierTopology.Settings classifier, KStream<String, ClassifiedItem> verdicts,
      Serde<ClassifiedItem> verdictSerde, AvroSerdes serdes, ClassifierMetrics metrics) {
    Duration retention = audits.retention();
    Duration entry = Duration.ofMillis(1);
    // on disk: a verdict per item classified within the retention (see docs/monitoring.md, State)
    builder.addStateStore(Stores.windowStoreBuilder(
            Stores.persistentWindowStore(VERDICTS_STORE, retention, entry, false), Serdes.String(),
            new JoinedVerdict.StoreSerde(verdictSerde, serdes.audited()))
        .withCachingDisabled());
    // in memory: only the audits that came before their verdict, or for no known item
    builder.addStateStore(Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore(WAITING_STORE, AuditJoin.waitingRetention(retention), entry, false),
            Serdes.String(), new BufferedRecord.StoreSerde())
        .withCachingDisabled());

    KStream<String, AuditInput> audited =
        builder.stream(audits.topic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
            .process(() -> new AuditDecoder(serdes.audits(), classifier.inputMaxRecordBytes()),
                Named.as("audit-decoder"));
    AuditJoin.AuditCounters counters = new AuditJoin.AuditCounters(metrics.registry());
    Map<String, KStream<String, AuditOutput>> outputs =
        verdicts
            .mapValues(item -> (AuditInput) new AuditInput.Verdict(item), Named.as("audit-verdict"))
            .merge(audited, Named.as("audit-inputs"))
            .repartition(Repartitioned.<String, AuditInput>as(JOIN_TOPIC)
                .withKeySerde(Serdes.String())
                .withValueSerde(new AuditInput.WireSerde(verdictSerde)))
            .process(() -> new AuditJoin(new AuditJoin.Stores(VERDICTS_STORE, WAITING_STORE),
                    retention, sample, serdes.audits(), classifier.window(), classifier.maxFutureSkew(), counters),
                Named.as("audit-join"), VERDICTS_STORE, WAITING_STORE)
            .split(Named.as("audit-"))
            .branch((key, output) -> output instanceof AuditOutput.Audited, Branched.as("audited"))
            .branch((key, output) -> output instanceof AuditOutput.Figure, Branched.as("figure"))
            .defaultBranch(Branched.as("dead-letter"));

    outputs.get("audit-audited")
        .mapValues(output -> ((AuditOutput.Audited) output).item(), Named.as("audited-item"))
        .to(audits.auditedTopic(), Produced.with(Serdes.String(), serdes.audited()));
    outputs.get("audit-dead-letter")
        .map((key, output) -> {
          AuditOutput.DeadLetter letter = (AuditOutput.DeadLetter) output;
          return KeyValue.pair(letter.key(), letter.value());
        }, Named.as("audit-original-bytes"))
        .to(classifier.deadLetterTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    return outputs.get("audit-figure")
        .mapValues(output -> ((AuditOutput.Figure) output).partial(), Named.as("audit-partial-figure"));
  }
}
