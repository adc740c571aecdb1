package io.fashionclassifier.watch;

import static io.fashionclassifier.learning.DecisionRecords.decision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.learning.DecisionLog;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.serde.MockSchemaRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The watcher on the real broker: a decisions topic that does not exist yet is followed once it is created. */
class TopicWatcherDecisionsTest {

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String bootstrap = KafkaBroker.shared().bootstrapServers();
  private final Map<String, Object> serde = Map.of("schema.registry.url", "mock://watch-decisions-" + run);

  @AfterEach
  void dropRegistry() {
    MockSchemaRegistry.dropScope("watch-decisions-" + run);
  }

  @Test
  void aDecisionsTopicCreatedWhileWatchingIsFollowedFromItsStart() throws Exception {
    String topic = "decisions-" + run;
    List<ModelDecision> seen = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    try (TopicWatcher watcher = new TopicWatcher(Map.of("bootstrap.servers", bootstrap), serde,
        new TopicWatcher.Topics("items-" + run, "aggregates-" + run, null, null, null, null, topic), false)) {
      CompletableFuture<Void> watching = CompletableFuture.runAsync(() -> watcher.run(new TopicWatcher.Listener() {
        @Override
        public void item(ConsumerRecord<String, byte[]> raw, ClassifiedItem item) {}

        @Override
        public void aggregate(ConsumerRecord<String, byte[]> raw, AccuracyAggregate aggregate) {}

        @Override
        public void decision(ConsumerRecord<String, byte[]> raw, ModelDecision decision) {
          seen.add(decision);
        }
      }, stop::get, Duration.ofSeconds(1), () -> {}));
      try {
        try (DecisionLog log = new DecisionLog(Map.of("bootstrap.servers", bootstrap), serde, topic,
            Duration.ofSeconds(30))) {
          log.ensureTopic(true, Optional.empty());
          log.write(decision(DecisionKind.CANDIDATE_BUILT, Instant.now(), "candidate", "5b6a7c8d", "built"));
          log.write(decision(DecisionKind.SHADOWED, Instant.now(), "candidate", "5b6a7c8d", "shadowed"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 2);
      } finally {
        // the consumer is the watching thread's until it returns
        stop.set(true);
        watching.get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(seen).extracting(ModelDecision::getKind)
        .as("from the topic's start, though the watcher began at the end of the others")
        .containsExactly(DecisionKind.CANDIDATE_BUILT, DecisionKind.SHADOWED);
  }
}
