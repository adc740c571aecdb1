package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The micro-batcher on its own: what a restarted task does with the batch it restores from the changelog, and how
 * it moves between model versions and feeds a shadow model.
 */
class MicroBatcherTest {

  private static final int MAX_RECORD_BYTES = 64 * 1024;
  private static final Duration STALL = ClassifierConfig.of(Map.of()).livenessStall();
  private final String scope = "batcher-" + UUID.randomUUID();
  private final Map<String, Object> serdeConfig = Map.of("schema.registry.url", "mock://" + scope);

  @AfterEach
  void dropRegistry() {
    MockSchemaRegistry.dropScope(scope);
  }

  private final MockProcessorContext<String, Outcome> context = new MockProcessorContext<>(properties());
  private final KeyValueStore<Long, BufferedRecord> store = Stores.keyValueStoreBuilder(
          Stores.inMemoryKeyValueStore(ClassifierTopology.BUFFER_STORE), Serdes.Long(), new BufferedRecord.StoreSerde())
      .withLoggingDisabled()
      .build();

  MicroBatcherTest() {
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
  }

  private static Properties properties() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "batcher-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    return props;
  }

  private MicroBatcher batcher(int batchSize) {
    return batcher(batchSize, true);
  }

  private MicroBatcher batcher(int batchSize, boolean commitPartialBatches) {
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    ClassifierMetrics metrics = ClassifierMetrics.discarding();
    return new MicroBatcher(ClassifierTopology.BUFFER_STORE, batchSize, Duration.ofMinutes(10),
        new AccuracyAggregates(Duration.ofMinutes(1), Duration.ofMinutes(1), metrics.registry()),
        deserializer, ModelSource.fixed(FakeClassifier::new), metrics, new StreamProgress(STALL),
        commitPartialBatches, MAX_RECORD_BYTES, InferenceWorkers.sameThread());
  }

  private void processImages(MicroBatcher batcher, int count) {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    for (int i = 0; i < count; i++) {
      context.setRecordMetadata("inventory-images", 0, i);
      batcher.process(new Record<>(("item-" + i).getBytes(),
          serializer.serialize("inventory-images", TestImages.image("item-" + i, 1, null)), 1000L + i));
    }
  }

  @Test
  void aBatchClassifiedOnItsWaitRequestsACommitSoThatItsVerdictsAreVisibleAtOnce() {
    MicroBatcher batcher = batcher(4);
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    processImages(batcher, 1);

    context.scheduledPunctuators().get(0).getPunctuator().punctuate(5_000L + Duration.ofMinutes(10).toMillis());

    assertThat(context.forwarded()).isNotEmpty();
    assertThat(context.committed()).isTrue();
    batcher.close();
  }

  @Test
  void aFullBatchLeavesTheCommitToTheCommitInterval() {
    MicroBatcher batcher = batcher(2);
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);

    processImages(batcher, 2);

    assertThat(context.forwarded()).isNotEmpty();
    assertThat(context.committed()).as("at full load a commit per batch would cost throughput").isFalse();
    batcher.close();
  }

  @Test
  void withoutCommitPartialBatchesABatchClassifiedOnItsWaitLeavesTheCommitToTheCommitInterval() {
    MicroBatcher batcher = batcher(4, false);
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    processImages(batcher, 1);

    context.scheduledPunctuators().get(0).getPunctuator().punctuate(5_000L + Duration.ofMinutes(10).toMillis());

    assertThat(context.forwarded()).isNotEmpty();
    assertThat(context.committed()).isFalse();
    batcher.close();
  }

  @Test
  void aResumedTaskCountsItsBatchAfreshAndDoesNotFlushEarly() {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    MicroBatcher batcher = batcher(4);
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    processImages(batcher, 2);
    // Kafka Streams suspends a task by closing its processors and resumes it by calling init again
    batcher.close();
    batcher.init(context);
    context.setRecordMetadata("inventory-images", 0, 2);
    batcher.process(new Record<>("item-2".getBytes(),
        serializer.serialize("inventory-images", TestImages.image("item-2", 1, null)), 1002L));

    assertThat(context.forwarded()).as("3 buffered records are not a batch of 4").isEmpty();
    assertThat(store.approximateNumEntries()).isEqualTo(3);
    batcher.close();
  }

  @Test
  void aBatchOpenedRightAfterAModelCallWaitsFromAfterTheCallNotFromTheThreadsCachedClock() {
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    long modelMillis = 60;
    ClassifierMetrics metrics = ClassifierMetrics.discarding();
    MicroBatcher batcher = new MicroBatcher(ClassifierTopology.BUFFER_STORE, 2, Duration.ofMillis(20),
        new AccuracyAggregates(Duration.ofMinutes(1), Duration.ofMinutes(1), metrics.registry()),
        deserializer, ModelSource.fixed(() -> new SlowClassifier(modelMillis)), metrics,
        new StreamProgress(STALL), true, MAX_RECORD_BYTES, InferenceWorkers.sameThread());
    // Kafka Streams reads the clock once for a run of a task's records: all three arrive at "5,000"
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    processImages(batcher, 3);
    assertThat(classifiedKeys()).as("the first two made a batch").containsExactly("item-0", "item-1");

    context.scheduledPunctuators().get(0).getPunctuator().punctuate(5_000L + 25);
    assertThat(classifiedKeys()).as("item-2 came after the 60-ms model call: 25 ms after 5,000 it has not waited 20")
        .containsExactly("item-0", "item-1");

    context.scheduledPunctuators().get(0).getPunctuator().punctuate(5_000L + 10_000);
    assertThat(classifiedKeys()).containsExactly("item-0", "item-1", "item-2");
    batcher.close();
  }

  private List<Object> classifiedKeys() {
    return context.forwarded().stream()
        .filter(forwarded -> forwarded.record().value() instanceof Outcome.Classified)
        .map(forwarded -> (Object) forwarded.record().key())
        .toList();
  }

  /** The fake model, taking at least {@code millis} per call as a real one takes time. */
  private static final class SlowClassifier implements BatchClassifier {
    private final FakeClassifier fake = new FakeClassifier();
    private final long millis;

    SlowClassifier(long millis) {
      this.millis = millis;
    }

    @Override
    public List<Prediction> classify(List<byte[]> images) {
      long until = System.nanoTime() + millis * 1_000_000;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      return fake.classify(images);
    }

    @Override
    public String modelVersion() {
      return fake.modelVersion();
    }

    @Override
    public void close() {
      fake.close();
    }
  }

  @Test
  void aRestartedTaskClassifiesTheRestoredBatchAtItsFirstPunctuation() {
    // what the changelog restores: two records buffered before the crash
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    for (long i = 0; i < 2; i++) {
      byte[] value = serializer.serialize("inventory-images", TestImages.image("restored-" + i, 1, null));
      store.put(i, new BufferedRecord(
          ("restored-" + i).getBytes(), value, new RecordHeaders(), "inventory-images", 0, 40 + i, 1000 + i));
    }
    MicroBatcher batcher = batcher(64);

    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    assertThat(context.forwarded()).isEmpty();
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(0L);

    var verdicts = context.forwarded().stream()
        .filter(forwarded -> forwarded.record().value() instanceof Outcome.Classified)
        .toList();
    assertThat(verdicts)
        .extracting(forwarded -> (Object) forwarded.record().key())
        .containsExactly("restored-0", "restored-1");
    assertThat(verdicts)
        .extracting(forwarded -> (Object) forwarded.record().timestamp())
        .as("the original record times")
        .containsExactly(1000L, 1001L);
    assertThat(store.approximateNumEntries()).as("the buffer is empty again").isZero();
    batcher.close();
  }

  private void restore(int count) {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    for (long i = 0; i < count; i++) {
      byte[] value = serializer.serialize("inventory-images", TestImages.image("restored-" + i, 1, null));
      store.put(i, new BufferedRecord(
          ("restored-" + i).getBytes(), value, new RecordHeaders(), "inventory-images", 0, 40 + i, 1000 + i));
    }
  }

  @Test
  void aRestoredBatchWaitsOutARegistryThatFailsFastInsteadOfGoingToTheDeadLetterTopic() throws Exception {
    restore(2);
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    // after a restart the schema cache is empty, and this registry refuses every connection at once
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(Map.of("schema.registry.url", "http://127.0.0.1:" + closedPort, "max.retries", "0"),
        false);
    ClassifierMetrics metrics = ClassifierMetrics.discarding();
    MicroBatcher batcher = new MicroBatcher(ClassifierTopology.BUFFER_STORE, 64, Duration.ofMinutes(10),
        new AccuracyAggregates(Duration.ofMinutes(1), Duration.ofMinutes(1), metrics.registry()),
        deserializer, ModelSource.fixed(FakeClassifier::new), metrics, new StreamProgress(STALL), true,
        MAX_RECORD_BYTES, InferenceWorkers.sameThread());
    batcher.init(context);

    assertThatThrownBy(() -> context.scheduledPunctuators().get(0).getPunctuator().punctuate(0L))
        .matches(e -> DeadLetters.isOutage((Exception) e), "is a registry outage");
    assertThat(context.forwarded()).as("no dead letter, no verdict").isEmpty();
    assertThat(store.approximateNumEntries()).as("the batch waits in the store").isEqualTo(2);
    batcher.close();
  }

  @Test
  void aBatchThatCannotBeForwardedWholeStaysBufferedAndIsNotHalfSent() {
    restore(3);
    MockProcessorContext<String, Outcome> failing = new MockProcessorContext<>(properties()) {
      private int forwards;

      @Override
      public <K extends String, V extends Outcome> void forward(Record<K, V> record) {
        if (++forwards == 2) {
          throw new IllegalStateException("the record collector failed");
        }
        super.forward(record);
      }
    };
    failing.setCurrentSystemTimeMs(5_000L);
    store.init(failing.getStateStoreContext(), store);
    failing.addStateStore(store);
    MicroBatcher batcher = batcher(64);
    batcher.init(failing);

    assertThatThrownBy(() -> failing.scheduledPunctuators().get(0).getPunctuator().punctuate(0L))
        .isInstanceOf(FlushAbortedException.class);
    assertThat(store.approximateNumEntries())
        .as("the whole batch is still buffered: the transaction is aborted and it is classified again")
        .isEqualTo(3);
    batcher.close();
  }

  /** A model source whose lineup a test changes, as the watcher would. */
  private static final class SwitchableSource implements ModelSource {
    volatile ModelLineup lineup;

    SwitchableSource(ModelLineup lineup) {
      this.lineup = lineup;
    }

    @Override
    public ModelLineup get() {
      return lineup;
    }

    @Override
    public void close() {}
  }

  private MicroBatcher batcher(int batchSize, ModelSource models) {
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    ClassifierMetrics metrics = ClassifierMetrics.discarding();
    return new MicroBatcher(ClassifierTopology.BUFFER_STORE, batchSize, Duration.ofMinutes(10),
        new AccuracyAggregates(Duration.ofMinutes(1), Duration.ofMinutes(1), metrics.registry()),
        deserializer, models, metrics, new StreamProgress(STALL), true, MAX_RECORD_BYTES,
        InferenceWorkers.sameThread());
  }

  private void process(MicroBatcher batcher, SpecificAvroSerializer<InventoryImage> serializer, int offset,
      InventoryImage image) {
    context.setRecordMetadata("inventory-images", 0, offset);
    batcher.process(new Record<>(image.getItemId().toString().getBytes(),
        serializer.serialize("inventory-images", image), 1000L + offset));
  }

  private List<ClassifiedItem> verdicts() {
    return context.forwarded().stream()
        .filter(forwarded -> forwarded.record().value() instanceof Outcome.Classified)
        .map(forwarded -> ((Outcome.Classified) forwarded.record().value()).item())
        .toList();
  }

  @Test
  void aNewVersionTakesOverAtTheNextBatchAndTheOldClassifierIsClosedAfterItsLastBatch() {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    List<FakeClassifier> taken = new ArrayList<>();
    ServedModel first = new ServedModel("v1", () -> add(taken, new FakeClassifier("v1", 0)), null);
    ServedModel second = new ServedModel("v2", () -> add(taken, new FakeClassifier("v2", 0)), null);
    SwitchableSource source = new SwitchableSource(new ModelLineup(first, null));
    MicroBatcher batcher = batcher(2, source);
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    process(batcher, serializer, 0, TestImages.image("item-0", 1, null));
    process(batcher, serializer, 1, TestImages.image("item-1", 1, null));

    source.lineup = new ModelLineup(second, null);
    first.retire();
    process(batcher, serializer, 2, TestImages.image("item-2", 1, null));
    assertThat(taken.get(0).closed).as("the old classifier stays while a batch is being collected").isFalse();
    process(batcher, serializer, 3, TestImages.image("item-3", 1, null));

    assertThat(verdicts()).extracting(item -> item.getModelVersion().toString())
        .containsExactly("v1", "v1", "v2", "v2");
    assertThat(taken).hasSize(2);
    assertThat(taken.get(0).closed).as("closed once its last batch was done").isTrue();
    assertThat(first.isClosed()).as("retired and given back by its only task").isTrue();
    assertThat(taken.get(1).batchSizes).containsExactly(2);
    batcher.close();
    assertThat(taken.get(1).closed).isTrue();
  }

  @Test
  void aShadowClassifiesTheSameBatchButOnlyItsFiguresAreForwarded() {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    FakeClassifier active = new FakeClassifier("v1", 0);
    // the candidate says TROUSER (label 1) whatever it sees
    List<Integer> candidateBatches = new ArrayList<>();
    BatchClassifier candidate = new BatchClassifier() {
      @Override
      public List<Prediction> classify(List<byte[]> images) {
        candidateBatches.add(images.size());
        return images.stream().map(image -> new Prediction(FakeClassifier.probabilities(1))).toList();
      }

      @Override
      public String modelVersion() {
        return "v2";
      }

      @Override
      public void close() {}
    };
    MicroBatcher batcher = batcher(4, new SwitchableSource(new ModelLineup(
        new ServedModel("v1", () -> active, null), new ServedModel("v2", () -> candidate, null))));
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    // active predicts the first pixel: right, wrong, unlabelled, right; the candidate: right, right, -, wrong
    process(batcher, serializer, 0, TestImages.image("item-0", 1, FashionClass.TROUSER));
    process(batcher, serializer, 1, TestImages.image("item-1", 2, FashionClass.TROUSER));
    process(batcher, serializer, 2, TestImages.image("item-2", 3, null));
    process(batcher, serializer, 3, TestImages.image("item-3", 4, FashionClass.COAT));

    assertThat(verdicts()).extracting(item -> item.getModelVersion().toString()).containsOnly("v1").hasSize(4);
    assertThat(candidateBatches).as("the same batch, once").containsExactly(4);
    List<AccuracyAggregate> shadow = context.forwarded().stream()
        .filter(forwarded -> forwarded.record().key().startsWith("SHADOW:"))
        .map(forwarded -> ((Outcome.Figure) forwarded.record().value()).partial())
        .toList();
    assertThat(shadow).hasSize(1);
    AccuracyAggregate figure = shadow.get(0);
    assertThat(figure.getKey()).isEqualTo("v2/v1");
    assertThat(figure.getSeen()).isEqualTo(4);
    assertThat(figure.getAgreed()).as("only item-0").isEqualTo(1);
    assertThat(figure.getAgreement()).isEqualTo(0.25);
    assertThat(figure.getLabelled()).isEqualTo(3);
    assertThat(figure.getCorrect()).isEqualTo(2);
    assertThat(figure.getBaselineCorrect()).isEqualTo(2);
    assertThat(figure.getAccuracy()).isEqualTo(2.0 / 3);
    assertThat(figure.getBaselineAccuracy()).isEqualTo(2.0 / 3);
    assertThat(figure.getModelVersion()).isEqualTo("v2");
    assertThat(figure.getBaselineVersion()).isEqualTo("v1");
    batcher.close();
  }

  @Test
  void aFailingShadowCostsItsFiguresButNoVerdict() {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    BatchClassifier broken = new BatchClassifier() {
      @Override
      public List<Prediction> classify(List<byte[]> images) {
        throw new IllegalStateException("the candidate fails on everything");
      }

      @Override
      public String modelVersion() {
        return "v2";
      }

      @Override
      public void close() {}
    };
    MicroBatcher batcher = batcher(2, new SwitchableSource(new ModelLineup(
        new ServedModel("v1", () -> new FakeClassifier("v1", 0), null), new ServedModel("v2", () -> broken, null))));
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    process(batcher, serializer, 0, TestImages.image("item-0", 1, FashionClass.TROUSER));
    process(batcher, serializer, 1, TestImages.image("item-1", 2, FashionClass.TROUSER));

    assertThat(verdicts()).extracting(item -> item.getItemId().toString()).containsExactly("item-0", "item-1");
    assertThat(context.forwarded())
        .noneMatch(forwarded -> forwarded.record().value() instanceof Outcome.DeadLetter)
        .noneMatch(forwarded -> forwarded.record().key() != null && forwarded.record().key().startsWith("SHADOW:"));
    batcher.close();
  }

  @Test
  void eachStageOfABatchsLatencyIsTimed() {
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ClassifierMetrics metrics = new ClassifierMetrics(registry);
    MicroBatcher batcher = new MicroBatcher(ClassifierTopology.BUFFER_STORE, 2, Duration.ofMinutes(10),
        new AccuracyAggregates(Duration.ofMinutes(1), Duration.ofMinutes(1), registry),
        deserializer, ModelSource.fixed(FakeClassifier::new), metrics,
        new StreamProgress(STALL), true, MAX_RECORD_BYTES, InferenceWorkers.sameThread());
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    // sent a minute ago: the record waited that long before the classifier read it
    long sent = System.currentTimeMillis() - 60_000;
    for (int i = 0; i < 2; i++) {
      context.setRecordMetadata("inventory-images", 0, i);
      batcher.process(new Record<>(("item-" + i).getBytes(),
          serializer.serialize("inventory-images", TestImages.image("item-" + i, 1, null)), sent));
    }
    metrics.commits().committed(System.nanoTime());

    assertThat(registry.find("fashion.consumer.wait").timer().count()).isEqualTo(2);
    assertThat(registry.find("fashion.consumer.wait").timer().max(TimeUnit.MILLISECONDS)).isBetween(60_000.0,
        120_000.0);
    assertThat(registry.find("fashion.batching.wait").timer().count()).isEqualTo(2);
    assertThat(registry.find("fashion.model.queue").timer().count()).as("once per batch").isEqualTo(1);
    assertThat(registry.find("fashion.inference.time").timer().count()).isEqualTo(1);
    assertThat(registry.find("fashion.commit.wait").timer().count()).as("both records' verdicts").isEqualTo(2);
    batcher.close();
  }

  private static FakeClassifier add(List<FakeClassifier> taken, FakeClassifier classifier) {
    taken.add(classifier);
    return classifier;
  }
}
