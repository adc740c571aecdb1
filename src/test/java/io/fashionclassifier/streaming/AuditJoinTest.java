package io.fashionclassifier.streaming;

import static io.fashionclassifier.streaming.KafkaTestClients.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The audit join's expiry of waiting audits, its punctuator and its catch-up, on a {@link MockProcessorContext}. */
class AuditJoinTest {

  private static final Duration RETENTION = Duration.ofHours(1);
  private static final long T0 = Instant.parse("2026-11-29T10:00:00Z").toEpochMilli();

  private final String scope = "audit-join-" + UUID.randomUUID();
  private final ClassifierConfig config = ClassifierConfig.of(Map.of(
      StreamsConfig.APPLICATION_ID_CONFIG, "audit-join-test",
      StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
      ClassifierConfig.SCHEMA_REGISTRY_URL, "mock://" + scope));
  private final MockProcessorContext<String, AuditOutput> context =
      new MockProcessorContext<>(config.streamsProperties());
  private final QualityTopology.AvroSerdes serdes = QualityTopology.AvroSerdes.of(config.serdeConfig());
  private final AuditJoin join;

  AuditJoinTest() {
    WindowStore<String, JoinedVerdict> verdicts = Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore(QualityTopology.VERDICTS_STORE, RETENTION, Duration.ofMillis(1), false),
            Serdes.String(), new JoinedVerdict.StoreSerde(ClassifierApp.avroSerdes(config).classifiedItems(),
                serdes.audited()))
        .withLoggingDisabled()
        .build();
    WindowStore<String, BufferedRecord> waiting = Stores.windowStoreBuilder(
            Stores.inMemoryWindowStore(QualityTopology.WAITING_STORE, AuditJoin.waitingRetention(RETENTION),
                Duration.ofMillis(1), false), Serdes.String(), new BufferedRecord.StoreSerde())
        .withLoggingDisabled()
        .build();
    for (var store : List.of(verdicts, waiting)) {
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
    join = new AuditJoin(new AuditJoin.Stores(QualityTopology.VERDICTS_STORE, QualityTopology.WAITING_STORE),
        RETENTION, new ReviewSample(0, 0), serdes.audits(), Duration.ofMinutes(1), Duration.ofMinutes(1),
        new AuditJoin.AuditCounters(new SimpleMeterRegistry()));
    context.setCurrentSystemTimeMs(T0);
    join.init(context);
  }

  @AfterEach
  void dropRegistry() {
    MockSchemaRegistry.dropScope(scope);
  }

  @Test
  void thePunctuatorDeadLettersAWaitingAuditOnceTheRetentionIsOverAndNotBefore() {
    join.process(audit("ghost", 7));
    assertThat(context.scheduledPunctuators().get(0).getInterval()).isEqualTo(Duration.ofMinutes(1));

    punctuate(T0 + RETENTION.toMillis() - 1);
    assertThat(context.forwarded()).isEmpty();

    punctuate(T0 + RETENTION.toMillis());
    assertThat(context.forwarded()).hasSize(1);
    Record<?, ?> letter = context.forwarded().get(0).record();
    assertThat(letter.value()).isInstanceOf(AuditOutput.DeadLetter.class);
    assertThat(header(letter.headers(), DeadLetters.EXCEPTION)).isEqualTo(UnmatchedAuditException.class.getName());
    assertThat(header(letter.headers(), DeadLetters.OFFSET)).isEqualTo("7");

    context.resetForwards();
    punctuate(T0 + RETENTION.toMillis() + Duration.ofMinutes(1).toMillis());
    assertThat(context.forwarded()).as("once").isEmpty();
  }

  @Test
  void anAuditWhoseWaitEndedWhileNoPunctuatorRanIsDeadLetteredBeforeTheNextRecordIsJoined() {
    join.process(audit("ghost", 7));

    // the instance was down for longer than the retention: no punctuation in between
    context.setCurrentSystemTimeMs(T0 + RETENTION.toMillis() + Duration.ofMinutes(30).toMillis());
    join.process(audit("other", 8));

    assertThat(context.forwarded()).hasSize(1);
    Record<?, ?> letter = context.forwarded().get(0).record();
    assertThat(new String(((AuditOutput.DeadLetter) letter.value()).key(), StandardCharsets.UTF_8))
        .isEqualTo("ghost");
  }

  private void punctuate(long now) {
    context.setCurrentSystemTimeMs(now);
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(now);
  }

  private Record<String, AuditInput> audit(String itemId, long offset) {
    SpecificAvroSerializer<ItemAudit> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config.serdeConfig(), false);
    byte[] value = serializer.serialize("item-audits", ItemAudit.newBuilder()
        .setItemId(itemId)
        .setTrueLabel(FashionClass.BAG)
        .setAuditor("alice")
        .setAuditTime(Instant.ofEpochMilli(T0))
        .setSource(AuditSource.REVIEW_QUEUE)
        .build());
    BufferedRecord original = new BufferedRecord(itemId.getBytes(StandardCharsets.UTF_8), value,
        new RecordHeaders(), "item-audits", 0, offset, T0);
    return new Record<>(itemId, new AuditInput.Audit(original), T0);
  }
}
