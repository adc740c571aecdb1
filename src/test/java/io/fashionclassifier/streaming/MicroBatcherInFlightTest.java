package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The micro-batcher with the model on its own thread: the stream thread goes on buffering while a batch is with the
 * model, forwards the batch and removes its records in one go when it is back, keeps one batch per task in flight,
 * and leaves a batch in flight at close in the store, for whoever runs the task next.
 */
class MicroBatcherInFlightTest {

  private static final Duration MAX_WAIT = Duration.ofMinutes(10);
  private final String scope = "in-flight-" + UUID.randomUUID();
  private final Map<String, Object> serdeConfig = Map.of("schema.registry.url", "mock://" + scope);
  private final MockProcessorContext<String, Outcome> context = new MockProcessorContext<>(properties());
  private final KeyValueStore<Long, BufferedRecord> store = Stores.keyValueStoreBuilder(
          Stores.inMemoryKeyValueStore(ClassifierTopology.BUFFER_STORE), Serdes.Long(), new BufferedRecord.StoreSerde())
      .withLoggingDisabled()
      .build();
  private final InferenceWorkers workers = InferenceWorkers.threads(1);
  private final GatedClassifier model = new GatedClassifier();
  private final SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();

  MicroBatcherInFlightTest() {
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    serializer.configure(serdeConfig, false);
  }

  @AfterEach
  void close() {
    model.open();
    workers.close();
    MockSchemaRegistry.dropScope(scope);
  }

  private static Properties properties() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "in-flight-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    return props;
  }

  private MicroBatcher batcher(int batchSize, BatchClassifier classifier) {
    return batcher(batchSize, classifier, workers);
  }

  private MicroBatcher batcher(int batchSize, BatchClassifier classifier, InferenceWorkers workers) {
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    ClassifierMetrics metrics = ClassifierMetrics.discarding();
    MicroBatcher batcher = new MicroBatcher(ClassifierTopology.BUFFER_STORE, batchSize, MAX_WAIT,
        new AccuracyAggregates(Duration.ofMinutes(1), Duration.ofMinutes(1), metrics.registry()),
        deserializer, ModelSource.fixed(() -> classifier), metrics, new StreamProgress(Duration.ofMinutes(1)), true,
        64 * 1024, workers);
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    return batcher;
  }

  private void process(MicroBatcher batcher, int from, int to) {
    for (int i = from; i < to; i++) {
      context.setRecordMetadata("inventory-images", 0, i);
      batcher.process(new Record<>(("item-" + i).getBytes(),
          serializer.serialize("inventory-images", TestImages.image("item-" + i, i % 10, null)), 1000L + i));
    }
  }

  /** Runs the two punctuators (flush when overdue, forward what the model finished) of the batcher initialised last. */
  private void punctuate() {
    List<MockProcessorContext.CapturedPunctuator> punctuators = context.scheduledPunctuators();
    for (MockProcessorContext.CapturedPunctuator punctuator : punctuators.subList(punctuators.size() - 2,
        punctuators.size())) {
      punctuator.getPunctuator().punctuate(context.currentSystemTimeMs());
    }
  }

  @Test
  void aBatchBackFromTheModelIsForwardedByTheCollectingPunctuatorWithoutAnyNewRecord() {
    MicroBatcher batcher = batcher(2, model);
    process(batcher, 0, 2);
    model.awaitCalls(1);
    model.open();
    List<MockProcessorContext.CapturedPunctuator> punctuators = context.scheduledPunctuators();
    MockProcessorContext.CapturedPunctuator collector = punctuators.get(punctuators.size() - 1);
    assertThat(collector.getInterval()).isEqualTo(MicroBatcher.COLLECT_INTERVAL);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      collector.getPunctuator().punctuate(context.currentSystemTimeMs());
      assertThat(classifiedKeys()).containsExactly("item-0", "item-1");
    });
    assertThat(store.approximateNumEntries()).isZero();
    batcher.close();
  }

  private List<String> classifiedKeys() {
    return context.forwarded().stream()
        .filter(forwarded -> forwarded.record().value() instanceof Outcome.Classified)
        .map(forwarded -> (String) forwarded.record().key())
        .toList();
  }

  @Test
  void theStreamThreadBuffersTheNextRecordsWhileABatchIsWithTheModel() {
    MicroBatcher batcher = batcher(2, model);
    process(batcher, 0, 2);
    model.awaitCalls(1);

    process(batcher, 2, 3);

    assertThat(classifiedKeys()).as("nothing is forwarded before the model is done").isEmpty();
    assertThat(store.approximateNumEntries()).as("the batch in flight stays buffered, with the new record")
        .isEqualTo(3);
    model.open();
    batcher.close();
  }

  @Test
  void aBatchBackFromTheModelIsForwardedAndRemovedAtTheNextPunctuation() {
    MicroBatcher batcher = batcher(2, model);
    process(batcher, 0, 3);
    model.awaitCalls(1);

    model.open();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      punctuate();
      assertThat(classifiedKeys()).containsExactly("item-0", "item-1");
    });

    assertThat(store.approximateNumEntries()).as("only the record that came after the batch").isEqualTo(1);
    assertThat(store.get(2L).offset()).isEqualTo(2L);
    batcher.close();
  }

  @Test
  void aFullBatchWaitsForTheOneInFlightSoThatATaskHasOneModelCallAtATime() {
    ConcurrencyCountingClassifier counting = new ConcurrencyCountingClassifier();
    MicroBatcher batcher;
    try (InferenceWorkers several = InferenceWorkers.threads(4)) {
      batcher = batcher(2, counting, several);
      process(batcher, 0, 20);
      batcher.close();
    }

    assertThat(counting.mostAtOnce.get()).isEqualTo(1);
    assertThat(counting.calls.get()).isEqualTo(10);
    // the last batch is forwarded if the model was done before the stream thread looked, else left in the store
    assertThat(classifiedKeys()).doesNotHaveDuplicates().hasSizeBetween(18, 20);
    assertThat(classifiedKeys().size() + store.approximateNumEntries()).isEqualTo(20);
  }

  @Test
  void aBatchInFlightAtCloseStaysInTheStoreAndTheNextOwnerClassifiesItOnce() {
    MicroBatcher batcher = batcher(2, model);
    process(batcher, 0, 2);
    model.awaitCalls(1);
    model.open();
    // a task suspended (or its thread stopping) while the model works: the batch is waited for, not forwarded
    batcher.close();
    assertThat(classifiedKeys()).isEmpty();
    assertThat(store.approximateNumEntries()).isEqualTo(2);

    MicroBatcher next = batcher(2, new FakeClassifier());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      punctuate();
      assertThat(classifiedKeys()).containsExactly("item-0", "item-1");
    });
    assertThat(store.approximateNumEntries()).isZero();
    next.close();
  }

  @Test
  void recordsBufferedWhileABatchWasInFlightMakeTheNextBatch() {
    MicroBatcher batcher = batcher(2, model);
    process(batcher, 0, 3);
    model.awaitCalls(1);
    model.release();
    // the next full batch: the stream thread waits for the first, forwards it and hands this one over
    process(batcher, 3, 4);
    model.awaitCalls(2);

    assertThat(classifiedKeys()).containsExactly("item-0", "item-1");
    assertThat(store.approximateNumEntries()).as("items 2 and 3, in flight").isEqualTo(2);
    model.open();
    batcher.close();
    assertThat(model.batchSizes).containsExactly(2, 2);
  }

  /** The fake model, holding each call until {@link #release} lets one through or {@link #open} all. */
  private static final class GatedClassifier implements BatchClassifier {
    private final FakeClassifier fake = new FakeClassifier();
    private final Semaphore gate = new Semaphore(0);
    private final AtomicInteger calls = new AtomicInteger();
    final List<Integer> batchSizes = fake.batchSizes;

    @Override
    public List<Prediction> classify(List<byte[]> images) {
      calls.incrementAndGet();
      try {
        if (!gate.tryAcquire(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never opened the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return fake.classify(images);
    }

    void release() {
      gate.release();
    }

    void open() {
      gate.release(1_000);
    }

    void awaitCalls(int count) {
      await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= count);
    }

    @Override
    public String modelVersion() {
      return fake.modelVersion();
    }

    @Override
    public void close() {}
  }

  /** The fake model, counting how many calls run at once. */
  private static final class ConcurrencyCountingClassifier implements BatchClassifier {
    private final FakeClassifier fake = new FakeClassifier();
    private final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public List<Prediction> classify(List<byte[]> images) {
      calls.incrementAndGet();
      mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        long until = System.nanoTime() + 2_000_000;
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        return fake.classify(images);
      } finally {
        running.decrementAndGet();
      }
    }

    @Override
    public String modelVersion() {
      return fake.modelVersion();
    }

    @Override
    public void close() {}
  }
}
