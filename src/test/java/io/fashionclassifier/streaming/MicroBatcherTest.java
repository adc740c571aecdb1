package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
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

  @Test
  void aRestartedTaskClassifiesTheRestoredBatchAtItsFirstPunctuation() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "batcher-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    MockProcessorContext<String, Outcome> context = new MockProcessorContext<>(props);
    KeyValueStore<Long, BufferedRecord> store =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ClassifierTopology.BUFFER_STORE), Serdes.Long(),
                new BufferedRecord.StoreSerde())
            .withLoggingDisabled()
            .build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    // what the changelog restores: two records buffered before the crash
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig, false);
    for (long i = 0; i < 2; i++) {
      byte[] value = serializer.serialize("inventory-images", TestImages.image("restored-" + i, 1, null));
      store.put(i, new BufferedRecord(
          ("restored-" + i).getBytes(), value, new RecordHeaders(), "inventory-images", 0, 40 + i, 1000 + i));
    }
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    MicroBatcher batcher = new MicroBatcher(
        ClassifierTopology.BUFFER_STORE, 64, Duration.ofMinutes(10), deserializer, FakeClassifier::new,
        ClassifierMetrics.discarding());

    context.setCurrentSystemTimeMs(5_000L);
    batcher.init(context);
    assertThat(context.forwarded()).isEmpty();
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(0L);

    assertThat(context.forwarded())
        .extracting(forwarded -> (Object) forwarded.record().key())
        .containsExactly("restored-0", "restored-1");
    assertThat(context.forwarded())
        .extracting(forwarded -> (Object) forwarded.record().timestamp())
        .as("the original record times")
        .containsExactly(1000L, 1001L);
    assertThat(store.approximateNumEntries()).as("the buffer is empty again").isZero();
    batcher.close();
  }
}
