package io.fashionclassifier.streaming;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;

/**
 * The classifier's own meters (Kafka Streams' metrics are bound separately). Shared by all stream threads:
 * Micrometer meters are thread-safe. Distributions are histograms with buckets rather than client-side
 * percentiles, so that quantiles can be taken over several instances ({@code histogram_quantile} of the summed
 * buckets). The latency of a record is split into stages that follow one another: {@code fashion.consumer.wait}
 * (its timestamp to the classifier reading it), {@code fashion.batching.wait}, {@code fashion.model.queue},
 * {@code fashion.inference.time}, {@code fashion.commit.wait}; what remains is the reader's fetch.
 */
public final class ClassifierMetrics {

  /** Dead-letter reasons, the {@code reason} tag of {@code fashion_dead_letters_total}. */
  public enum Reason {
    /** The value could not be decoded (bad magic byte, unknown schema id, not Avro). */
    DESERIALIZATION,
    /** Decoded but not classifiable (wrong image size), or any other failure while processing the record. */
    PROCESSING,
    /** The model failed on the batch the record was in. */
    PREDICTION
  }

  /** The {@code role} tag of the inference meters: the model whose verdicts are published. */
  static final String ACTIVE = "active";
  /** The {@code role} tag of the inference meters: a candidate classifying the same batches for comparison. */
  static final String SHADOW = "shadow";

  private final MeterRegistry registry;
  private final Counter recordsIn;
  private final Counter recordsOut;
  private final DistributionSummary batchSize;
  private final Timer endToEndLatency;
  private final Timer consumerWait;
  private final Timer batchingWait;
  private final Timer modelQueue;
  private final CommitLatency commits;

  public ClassifierMetrics(MeterRegistry registry) {
    this.registry = registry;
    recordsIn = Counter.builder("fashion.records.in").description("Input records read").register(registry);
    recordsOut = Counter.builder("fashion.records.out").description("Classified items emitted").register(registry);
    batchSize =
        DistributionSummary.builder("fashion.batch.size")
            .description("Images per inference batch")
            .publishPercentileHistogram()
            .maximumExpectedValue((double) ClassifierConfig.MAX_BATCH_SIZE)
            .register(registry);
    endToEndLatency =
        Timer.builder("fashion.end.to.end.latency")
            .description("Classification time minus capture time")
            .publishPercentileHistogram()
            .register(registry);
    consumerWait =
        Timer.builder("fashion.consumer.wait")
            .description("Time from a record's timestamp (its producer's send, or the broker's append) to the "
                + "classifier reading it")
            .publishPercentileHistogram()
            .register(registry);
    batchingWait =
        Timer.builder("fashion.batching.wait")
            .description("Time a record waits in its batch, from being read to the batch being classified")
            .publishPercentileHistogram()
            .register(registry);
    modelQueue =
        Timer.builder("fashion.model.queue")
            .description("Time from a batch being closed to its model call starting")
            .publishPercentileHistogram()
            .register(registry);
    commits = new CommitLatency(registry);
    for (Reason reason : Reason.values()) {
      deadLetters(reason);
    }
  }

  /** Meters on a throw-away registry, for tests that do not look at them. */
  public static ClassifierMetrics discarding() {
    return new ClassifierMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  void recordIn() {
    recordsIn.increment();
  }

  void recordsOut(int count) {
    recordsOut.increment(count);
  }

  /** A batch classified by {@code modelVersion} in {@code role} ({@link #ACTIVE} or {@link #SHADOW}). */
  void batch(int size, long inferenceNanos, String modelVersion, String role) {
    if (ACTIVE.equals(role)) {
      batchSize.record(size);
    }
    Timer.builder("fashion.inference.time")
        .description("Time to classify one batch, by model version and role (active, shadow)")
        .publishPercentileHistogram()
        .tags("model_version", modelVersion, "role", role)
        .register(registry)
        .record(Duration.ofNanos(inferenceNanos));
    Counter.builder("fashion.inference.images")
        .description("Images classified, by model version and role (active, shadow)")
        .tags("model_version", modelVersion, "role", role)
        .register(registry)
        .increment(size);
  }

  /** A batch the shadow model failed on (the verdicts are the active model's and unaffected). */
  void shadowFailed(String modelVersion) {
    Counter.builder("fashion.shadow.failures")
        .description("Batches the shadow model failed on; its figures leave them out")
        .tag("model_version", modelVersion)
        .register(registry)
        .increment();
  }

  /** A record with timestamp {@code timestamp} was read at {@code readAt} (both epoch milliseconds). */
  void consumerWait(long timestamp, long readAt) {
    consumerWait.record(Duration.ofMillis(Math.max(0, readAt - timestamp)));
  }

  void batchingWait(long millis) {
    batchingWait.record(Duration.ofMillis(Math.max(0, millis)));
  }

  void modelQueue(long nanos) {
    modelQueue.record(Duration.ofNanos(Math.max(0, nanos)));
  }

  /** Where batches say they were forwarded and producers that they committed. */
  CommitLatency commits() {
    return commits;
  }

  void endToEnd(long captureTime, long classifiedTime) {
    endToEndLatency.record(Duration.ofMillis(Math.max(0, classifiedTime - captureTime)));
  }

  void deadLetters(Reason reason, int count) {
    deadLetters(reason).increment(count);
  }

  void deadLetterTruncated() {
    Counter.builder("fashion.dead.letters.truncated")
        .description("Dead letters whose original value was cut to fit the producer's request size")
        .register(registry).increment();
  }

  void outputFailed(String topic) {
    Counter.builder("fashion.outputs.failed")
        .description("Outputs that could not be serialized or sent: each failed its batch, which is retried from the "
            + "last commit (nothing is dropped)")
        .tag("topic", topic)
        .register(registry).increment();
  }

  /** Records classified or dead-lettered so far: grows whenever the classifier makes progress. */
  public long progress() {
    return (long) (recordsOut.count() + deadLetterCount());
  }

  /** Dead letters sent so far, all reasons together. */
  public double deadLetterCount() {
    double total = 0;
    for (Reason reason : Reason.values()) {
      total += deadLetters(reason).count();
    }
    return total;
  }

  private Counter deadLetters(Reason reason) {
    return Counter.builder("fashion.dead.letters")
        .description("Records sent to the dead-letter topic")
        .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
        .register(registry);
  }
}
