package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The micro-batcher on its own: what a restarted task does with the batch it restores from the changelog. */
class MicroBatcherTest {

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
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    ClassifierMetrics metrics = ClassifierMetrics.discarding();
    return new MicroBatcher(ClassifierTopology.BUFFER_STORE, batchSize, Duration.ofMinutes(10),
        new AccuracyAggregates(Duration.ofMinutes(1), Duration.ofMinutes(1), 1000, metrics.registry()),
        deserializer, FakeClassifier::new, metrics, new StreamProgress(StreamProgress.DEFAULT_STALL));
  }

  @Test
  void aResumedTaskCountsItsBatchAfreshAndDoesNotFlushEarly() {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    MicroBatcher batcher = batcher(4);
    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    for (int i = 0; i < 2; i++) {
      context.setRecordMetadata("inventory-images", 0, i);
      batcher.process(new Record<>(("item-" + i).getBytes(),
          serializer.serialize("inventory-images", TestImages.image("item-" + i, 1, null)), 1000L + i));
    }
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
        new AccuracyAggregates(Duration.ofMinutes(1), Duration.ofMinutes(1), 1000, metrics.registry()),
        deserializer, FakeClassifier::new, metrics, new StreamProgress(StreamProgress.DEFAULT_STALL));
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
}
