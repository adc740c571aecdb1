package io.fashionclassifier.streaming;

import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ShadowVerdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * What a classified batch sends: a verdict for each image the model classified, a dead letter for each record that
 * did not decode or that the model failed on. A function of its arguments alone (no context, no meters, no clock),
 * so that the mapping is tested on its own and the caller decides when the outputs count.
 */
final class BatchVerdicts {

  /** The headers of the W3C Trace Context and Baggage specifications, as OpenTelemetry's Kafka propagation sets them. */
  static final List<String> TRACE_HEADERS = List.of("traceparent", "tracestate", "baggage");

  static final int TOP_K = 3;
  private static final FashionClass[] CLASSES = FashionClass.values();

  private BatchVerdicts() {}

  /**
   * One buffered record of the batch: decoded, or with the reason it is not an image.
   *
   * @param image null when the record did not decode
   * @param invalid why it did not; null when it did
   */
  record Entry(BufferedRecord record, ImageDecoder.Decoded image, RuntimeException invalid) {

    static Entry decoded(BufferedRecord record, ImageDecoder.Decoded image) {
      return new Entry(record, image, null);
    }

    static Entry invalid(BufferedRecord record, RuntimeException reason) {
      return new Entry(record, null, reason);
    }
  }

  /**
   * The batch's outputs, in the order they are to be sent, and what they count for once sent.
   *
   * @param items the verdicts' items, for the accuracy figures
   * @param shadowOfItems the shadow's prediction for each of {@code items}; empty when nothing was shadowed
   * @param deadLetters dead letters by reason
   * @param truncated dead letters cut to fit the size limit
   */
  record Verdicts(List<Record<String, Outcome>> outputs, List<ClassifiedItem> items, List<Prediction> shadowOfItems,
      Map<ClassifierMetrics.Reason, Integer> deadLetters, int truncated) {

    /** Counts the outputs: call only once they are sent, since progress (which readiness reads) counts them. */
    void addTo(ClassifierMetrics metrics) {
      deadLetters.forEach(metrics::deadLetters);
      for (int i = 0; i < truncated; i++) {
        metrics.deadLetterTruncated();
      }
      metrics.recordsOut(items.size());
    }
  }

  /** The pixels of the decoded entries, in order: what the model is given. */
  static List<byte[]> pixels(List<Entry> entries) {
    List<byte[]> pixels = new ArrayList<>(entries.size());
    for (Entry entry : entries) {
      if (entry.image() != null) {
        pixels.add(entry.image().pixels());
      }
    }
    return pixels;
  }

  /**
   * The outputs of a batch: dead letters for the entries that did not decode first, then for each decoded entry, in
   * order, its verdict or (when the model failed on it) its dead letter.
   *
   * @param result the models' results for {@link #pixels} of the entries; null when none decoded
   * @param now the classification time, which the verdicts and dead letters carry
   * @param deadLetterLimit the most bytes a dead letter may take ({@link DeadLetters#sizeLimit})
   */
  static Verdicts of(List<Entry> entries, BatchInference.Result result, long now, int deadLetterLimit) {
    List<Record<String, Outcome>> outputs = new ArrayList<>(entries.size() + 8);
    Tally tally = new Tally();
    Instant failedAt = Instant.ofEpochMilli(now);
    for (Entry entry : entries) {
      if (entry.image() == null) {
        outputs.add(deadLetter(entry.record(), entry.invalid(), ClassifierMetrics.Reason.PROCESSING, failedAt,
            deadLetterLimit, tally));
      }
    }
    if (result == null) {
      return new Verdicts(outputs, List.of(), List.of(), tally.deadLetters, tally.truncated);
    }
    List<ClassifiedItem> items = new ArrayList<>(result.size());
    List<Prediction> shadowOfItems = new ArrayList<>(result.shadow() == null ? 0 : result.size());
    int i = 0;
    for (Entry entry : entries) {
      if (entry.image() == null) {
        continue;
      }
      if (result.failures()[i] != null) {
        outputs.add(deadLetter(entry.record(), result.failures()[i], ClassifierMetrics.Reason.PREDICTION, failedAt,
            deadLetterLimit, tally));
      } else {
        ClassifiedItem item = classifiedItem(entry.image().image(), result.predictions()[i], result.modelVersion(),
            now);
        if (result.shadow() != null) {
          item.setShadow(shadowVerdict(result.shadow().get(i), result.shadowVersion()));
        }
        outputs.add(new Record<>(item.getItemId(), new Outcome.Classified(item), entry.record().timestamp(),
            traceContext(entry.record().headers())));
        items.add(item);
        if (result.shadow() != null) {
          shadowOfItems.add(result.shadow().get(i));
        }
      }
      i++;
    }
    return new Verdicts(outputs, items, shadowOfItems, tally.deadLetters, tally.truncated);
  }

  /**
   * The W3C trace context of an input record (its {@code traceparent}, {@code tracestate} and {@code baggage}
   * headers), for its verdict: a tracing consumer then continues the scanner's trace. Other headers are the
   * scanner's business and stay on the input.
   */
  static Headers traceContext(Headers input) {
    RecordHeaders carried = new RecordHeaders();
    for (String name : TRACE_HEADERS) {
      Header header = input.lastHeader(name);
      if (header != null) {
        carried.add(name, header.value());
      }
    }
    return carried;
  }

  /** KIP-1034 has no source record for a punctuator's failures: this is the same dead letter, built by hand. */
  private static Record<String, Outcome> deadLetter(BufferedRecord record, Exception error,
      ClassifierMetrics.Reason reason, Instant failedAt, int limit, Tally tally) {
    DeadLetters.Letter letter = DeadLetters.letter(record, error, failedAt, limit);
    tally.deadLetters.merge(reason, 1, Integer::sum);
    tally.truncated += letter.truncated() ? 1 : 0;
    return new Record<String, Outcome>(
        null, new Outcome.DeadLetter(letter.key(), letter.value()), record.timestamp(), letter.headers());
  }

  /** The dead letters of one batch so far. */
  private static final class Tally {
    final Map<ClassifierMetrics.Reason, Integer> deadLetters = new EnumMap<>(ClassifierMetrics.Reason.class);
    int truncated;
  }

  /** The shadow's prediction as the verdict carries it, so that audited items pair both models' labels. */
  static ShadowVerdict shadowVerdict(Prediction prediction, String version) {
    return new ShadowVerdict(version, CLASSES[prediction.label()], prediction.confidence());
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
}
