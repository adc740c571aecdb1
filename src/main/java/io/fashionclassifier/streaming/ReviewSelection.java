package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ReviewReason;
import io.fashionclassifier.schema.ReviewRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the verdicts a person should check: the random sample ({@link ReviewSample}), and the unsure ones
 * (confidence, or the margin between the two most probable classes, below its threshold). Each chosen one becomes a
 * review request keyed by its scanner id, for the per-scanner budget downstream ({@link ReviewBudget}).
 *
 * <p>The request carries the image, which the verdict does not: it is read from the micro-batch buffer, which
 * still holds the batch while its verdicts are forwarded (the micro-batcher clears it after the last one, so that
 * a crash in between repeats rather than loses the batch). So only the chosen items cost anything, and no image is
 * stored twice.
 */
final class ReviewSelection implements Processor<String, ClassifiedItem, String, ReviewRequest> {

  private static final Logger log = LoggerFactory.getLogger(ReviewSelection.class);
  /** Categories a request shows (the verdict may carry more, by the bundle's top-k). */
  static final int TOP = 3;

  private final String bufferStore;
  private final ReviewSample sample;
  private final double confidenceBelow;
  private final double marginBelow;
  private final Deserializer<InventoryImage> images;
  private final Counter selected;
  private final Counter noImage;
  private ProcessorContext<String, ReviewRequest> context;
  private KeyValueStore<Long, BufferedRecord> buffer;

  /**
   * @param bufferStore the micro-batcher's buffer ({@link ClassifierTopology#BUFFER_STORE}), read only
   * @param confidenceBelow a verdict less confident than this is sent for review
   * @param marginBelow a verdict whose two most probable classes are closer than this is sent for review
   */
  ReviewSelection(String bufferStore, ReviewSample sample, double confidenceBelow, double marginBelow,
      Deserializer<InventoryImage> images, MeterRegistry registry) {
    this.bufferStore = bufferStore;
    this.sample = sample;
    this.confidenceBelow = confidenceBelow;
    this.marginBelow = marginBelow;
    this.images = images;
    this.selected = ReviewBudget.counter(registry, "selected", "Verdicts chosen for review (before the budget)");
    this.noImage = ReviewBudget.counter(registry, "no_image",
        "Verdicts chosen for review whose image was no longer in the batch buffer (not sent)");
  }

  @Override
  public void init(ProcessorContext<String, ReviewRequest> context) {
    this.context = context;
    this.buffer = context.getStateStore(bufferStore);
  }

  @Override
  public void process(Record<String, ClassifiedItem> record) {
    ClassifiedItem verdict = record.value();
    float margin = margin(verdict);
    List<ReviewReason> reasons = new ArrayList<>(3);
    if (verdict.getConfidence() < confidenceBelow) {
      reasons.add(ReviewReason.LOW_CONFIDENCE);
    }
    if (margin < marginBelow) {
      reasons.add(ReviewReason.LOW_MARGIN);
    }
    if (sample.drawn(verdict.getItemId())) {
      reasons.add(ReviewReason.RANDOM_SAMPLE);
    }
    if (reasons.isEmpty()) {
      return;
    }
    selected.increment();
    InventoryImage image = image(verdict.getItemId(), record.timestamp());
    if (image == null) {
      noImage.increment();
      log.warn("task {}: item {} was chosen for review but its image is not in the batch buffer; not sent",
          context.taskId(), verdict.getItemId());
      return;
    }
    ReviewRequest request = ReviewRequest.newBuilder()
        .setItemId(verdict.getItemId())
        .setScannerId(verdict.getScannerId())
        .setWarehouseId(verdict.getWarehouseId())
        .setCaptureTime(verdict.getCaptureTime())
        .setClassifiedTime(verdict.getClassifiedTime())
        .setModelVersion(verdict.getModelVersion())
        .setPredictedLabel(verdict.getPredictedLabel())
        .setConfidence(verdict.getConfidence())
        .setMargin(margin)
        .setTopK(List.copyOf(verdict.getTopK().subList(0, Math.min(TOP, verdict.getTopK().size()))))
        .setReasons(reasons)
        .setWidth(image.getWidth())
        .setHeight(image.getHeight())
        .setPixels(image.getPixels())
        .build();
    context.forward(new Record<>(verdict.getScannerId(), request, record.timestamp()));
  }

  /** The first minus the second probability of the top classes (the confidence when there is no second). */
  static float margin(ClassifiedItem verdict) {
    List<LabelScore> top = verdict.getTopK();
    return top.size() < 2 ? verdict.getConfidence() : top.get(0).getProbability() - top.get(1).getProbability();
  }

  /**
   * The image of {@code itemId} among the buffered records: the one with the verdict's record time (an input
   * record's, carried by its verdict) and key, or, when producers key by something else, the one whose value names
   * the item. Only chosen verdicts look, over one batch.
   */
  private InventoryImage image(String itemId, long timestamp) {
    byte[] key = itemId.getBytes(StandardCharsets.UTF_8);
    List<BufferedRecord> sameTime = new ArrayList<>();
    try (KeyValueIterator<Long, BufferedRecord> entries = buffer.all()) {
      while (entries.hasNext()) {
        KeyValue<Long, BufferedRecord> entry = entries.next();
        if (entry.value.timestamp() == timestamp) {
          sameTime.add(entry.value);
        }
      }
    }
    for (BufferedRecord candidate : sameTime) {
      if (Arrays.equals(candidate.key(), key)) {
        InventoryImage image = decode(candidate);
        if (image != null && itemId.equals(image.getItemId())) {
          return image;
        }
      }
    }
    for (BufferedRecord candidate : sameTime) {
      InventoryImage image = decode(candidate);
      if (image != null && itemId.equals(image.getItemId())) {
        return image;
      }
    }
    return null;
  }

  private InventoryImage decode(BufferedRecord record) {
    // a record that decoded when it arrived decodes now (the registry's answers are cached); one that did not was
    // dead-lettered and has no verdict
    Object datum = ((Deserializer<?>) images).deserialize(record.topic(), record.headers(), record.value());
    return datum instanceof InventoryImage image ? image : null;
  }
}
