package io.fashionclassifier.scanner;

import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ReviewRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntBiFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Plays the people who answer review requests: a share of the requests read from the review topic is checked
 * after a delay, and the item's true label goes to the audits topic (source REVIEW_QUEUE), as a reviewer at the
 * review page would send it. Which requests are answered is drawn from the item id, so a replay answers the same.
 */
public final class SimulatedAuditors {

  /**
   * @param share of the review requests that get an answer (0-1)
   * @param delay how long after its verdict an item is checked
   */
  public record Options(String reviewTopic, String auditTopic, double share, Duration delay, long seed) {
    public Options {
      if (share < 0 || share > 1) {
        throw new IllegalArgumentException("the auditors' share must lie between 0 and 1, got " + share);
      }
      if (delay.isNegative()) {
        throw new IllegalArgumentException("the audit delay must not be negative, got " + delay);
      }
    }
  }

  /** What was answered. */
  public record Summary(long requests, long audited, long unknown) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "auditors read %,d review requests, audited %,d (%,d of unknown items)",
          requests, audited, unknown);
    }
  }

  private record Due(long at, ItemAudit audit) {}

  private final Consumer<String, ReviewRequest> requests;
  private final Producer<String, ItemAudit> audits;
  private final Options options;
  private final ToIntBiFunction<String, String> truth;

  /** @param truth the true label of an item id from a scanner id, or -1 when it is not known */
  public SimulatedAuditors(Consumer<String, ReviewRequest> requests, Producer<String, ItemAudit> audits,
      Options options, ToIntBiFunction<String, String> truth) {
    this.requests = requests;
    this.audits = audits;
    this.options = options;
    this.truth = truth;
  }

  /** Whether the auditors answer the request for {@code itemId}: a stable draw, about {@code share} of them. */
  boolean answers(String itemId) {
    // SplittableRandom mixes its seed; java.util.Random's first draws for nearby seeds are nearly alike
    return new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + itemId.hashCode()).nextDouble()
        < options.share();
  }

  /**
   * Reads review requests and answers them when due, until {@code stopped} says so and the answers to what was
   * read are sent (at most the delay later); requests that arrive after that are left for another run.
   */
  public Summary run(BooleanSupplier stopped) {
    requests.subscribe(List.of(options.reviewTopic()));
    Deque<Due> due = new ArrayDeque<>();
    long read = 0;
    long audited = 0;
    long unknown = 0;
    while (!stopped.getAsBoolean() || !due.isEmpty()) {
      for (ConsumerRecord<String, ReviewRequest> record : requests.poll(Duration.ofMillis(100))) {
        read++;
        ReviewRequest request = record.value();
        if (request == null || !answers(request.getItemId())) {
          continue;
        }
        int label = truth.applyAsInt(request.getItemId(), request.getScannerId());
        if (label < 0) {
          unknown++;
          continue;
        }
        long at = request.getClassifiedTime().toEpochMilli() + options.delay().toMillis();
        due.addLast(new Due(at, ItemAudit.newBuilder()
            .setItemId(request.getItemId())
            .setTrueLabel(FashionClass.values()[label])
            .setAuditor("simulated-auditor")
            .setAuditTime(Instant.ofEpochMilli(at))
            .setSource(AuditSource.REVIEW_QUEUE)
            .build()));
      }
      long now = System.currentTimeMillis();
      // requests come in verdict order per partition and nearly so across them: the head is the next one due
      while (!due.isEmpty() && due.peekFirst().at() <= now) {
        ItemAudit audit = due.removeFirst().audit();
        audits.send(new ProducerRecord<>(options.auditTopic(), audit.getItemId(), audit));
        audited++;
      }
      requests.commitAsync();
    }
    audits.flush();
    return new Summary(read, audited, unknown);
  }
}
