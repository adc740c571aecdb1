package io.fashionclassifier.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ReviewReason;
import io.fashionclassifier.schema.ReviewRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The simulated people at the review page: who they answer, with what, and when. */
class SimulatedAuditorsTest {

  private static final TopicPartition REVIEWS = new TopicPartition("review-requests", 0);

  private static ReviewRequest request(String itemId, String scanner, long classifiedAt) {
    return ReviewRequest.newBuilder()
        .setItemId(itemId).setScannerId(scanner).setWarehouseId("warehouse-1")
        .setCaptureTime(Instant.ofEpochMilli(classifiedAt - 10)).setClassifiedTime(Instant.ofEpochMilli(classifiedAt))
        .setModelVersion("v1").setPredictedLabel(FashionClass.SHIRT).setConfidence(0.4f).setMargin(0.05f)
        .setTopK(List.of(new LabelScore(FashionClass.SHIRT, 0.4f)))
        .setReasons(List.of(ReviewReason.LOW_CONFIDENCE)).setWidth(28).setHeight(28)
        .setPixels(ByteBuffer.wrap(new byte[784]))
        .build();
  }

  private record Result(SimulatedAuditors.Summary summary, List<ItemAudit> audits) {}

  /** Runs the auditors over {@code requests} until they have read them all. */
  private static Result run(double share, Duration delay, List<ReviewRequest> requests) {
    MockConsumer<String, ReviewRequest> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
    consumer.schedulePollTask(() -> {
      consumer.rebalance(List.of(REVIEWS));
      consumer.updateBeginningOffsets(Map.of(REVIEWS, 0L));
      for (int i = 0; i < requests.size(); i++) {
        consumer.addRecord(new ConsumerRecord<>(REVIEWS.topic(), 0, i, requests.get(i).getItemId(), requests.get(i)));
      }
    });
    MockProducer<String, ItemAudit> producer = new MockProducer<>(true, null, new StringSerializer(),
        (topic, audit) -> audit.getItemId().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    AtomicInteger polls = new AtomicInteger();
    SimulatedAuditors auditors = new SimulatedAuditors(consumer, producer,
        new SimulatedAuditors.Options("review-requests", "item-audits", share, delay, 5),
        (item, scanner) -> item.equals("stranger") ? -1 : FashionClass.TROUSER.ordinal());
    // stopped after a few polls: everything is read by then
    SimulatedAuditors.Summary summary = auditors.run(() -> polls.incrementAndGet() > 3);
    return new Result(summary, producer.history().stream().map(r -> r.value()).toList());
  }

  @Test
  void everyRequestAnsweredWithTheTrueLabelAtItsDueTime() {
    long now = System.currentTimeMillis();
    Result result = run(1.0, Duration.ofMillis(200), List.of(request("a", "scanner-01", now),
        request("b", "scanner-02", now + 1)));

    assertThat(result.audits()).extracting(ItemAudit::getItemId).containsExactly("a", "b");
    assertThat(result.audits()).allSatisfy(audit -> {
      assertThat(audit.getTrueLabel()).isEqualTo(FashionClass.TROUSER);
      assertThat(audit.getSource()).isEqualTo(AuditSource.REVIEW_QUEUE);
    });
    assertThat(result.audits().get(0).getAuditTime()).isEqualTo(Instant.ofEpochMilli(now + 200));
    assertThat(result.summary().audited()).isEqualTo(2);
  }

  @Test
  void anAuditIsNotSentBeforeItsDelayHasPassed() {
    long now = System.currentTimeMillis();
    long started = System.currentTimeMillis();
    Result result = run(1.0, Duration.ofMillis(500), List.of(request("a", "scanner-01", now)));

    assertThat(System.currentTimeMillis() - started).as("the run waited for the answer to be due")
        .isGreaterThanOrEqualTo(400);
    assertThat(result.audits()).hasSize(1);
  }

  @Test
  void aShareOfTheRequestsIsAnsweredTheSameOnesEachTime() {
    List<ReviewRequest> requests = new java.util.ArrayList<>();
    for (int i = 0; i < 400; i++) {
      requests.add(request("item-" + i, "scanner-01", 0));
    }
    List<String> first = run(0.25, Duration.ZERO, requests).audits().stream().map(ItemAudit::getItemId).toList();
    List<String> second = run(0.25, Duration.ZERO, requests).audits().stream().map(ItemAudit::getItemId).toList();

    assertThat(first).hasSizeBetween(70, 130).isEqualTo(second);
  }

  @Test
  void anItemWhoseTruthIsUnknownIsCountedNotAudited() {
    Result result = run(1.0, Duration.ZERO, List.of(request("stranger", "scanner-01", 0)));

    assertThat(result.audits()).isEmpty();
    assertThat(result.summary().unknown()).isEqualTo(1);
    assertThat(result.summary().requests()).isEqualTo(1);
  }
}
