package io.fashionclassifier.review;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ReviewRequest;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The queue's rules on their own, with a clock the test moves: leases, skips, undo and committed offsets. */
class ReviewQueueTest {

  private static final TopicPartition PARTITION = new TopicPartition("review-requests", 0);
  private static final Duration LEASE = Duration.ofMinutes(2);

  private final List<ItemAudit> written = new ArrayList<>();
  private Instant now = Instant.parse("2026-12-07T12:00:00Z");
  private final ReviewQueue queue = new ReviewQueue(written::add, new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }, LEASE);

  @Test
  void anExpiredLeaseLetsAnotherReviewerTakeTheItemAndTheFirstCanNoLongerDecideIt() {
    offer("a", 0);
    assertThat(shown("alice")).isEqualTo("a");
    assertThat(queue.next("bob")).as("held by alice").isEmpty();
    now = now.plus(LEASE).plusSeconds(1);
    assertThat(shown("bob")).isEqualTo("a");
    assertThat(queue.decide("alice", "a", FashionClass.BAG)).isEqualTo(ReviewQueue.Outcome.TAKEN);
    assertThat(queue.decide("bob", "a", FashionClass.COAT)).isEqualTo(ReviewQueue.Outcome.PUBLISHED);
    assertThat(written).extracting(ItemAudit::getAuditor).containsExactly("bob");
  }

  @Test
  void aSkippedItemGoesToTheOthersButNotBackToTheSkipper() {
    offer("a", 0);
    offer("b", 1);
    assertThat(shown("alice")).isEqualTo("a");
    queue.skip("alice", "a");
    assertThat(shown("alice")).isEqualTo("b");
    assertThat(shown("bob")).isEqualTo("a");
  }

  @Test
  void undoThenTheSameLabelWritesNothingMore() {
    offer("a", 0);
    shown("alice");
    queue.decide("alice", "a", FashionClass.DRESS);
    assertThat(queue.undo("alice")).get().extracting(ReviewQueue.Lease::previous).isEqualTo(FashionClass.DRESS);
    assertThat(queue.decide("alice", "a", FashionClass.DRESS)).isEqualTo(ReviewQueue.Outcome.ALREADY_DECIDED);
    assertThat(written).hasSize(1);
    assertThat(queue.figures("alice").decidedBySession()).isEqualTo(1);
  }

  @Test
  void theCommittedOffsetStopsAtTheFirstUndecidedRequest() {
    offer("a", 0);
    offer("b", 1);
    offer("c", 2);
    shown("alice");
    shown("bob");
    queue.decide("bob", "b", FashionClass.BAG);
    assertThat(queue.takeCommittable()).as("a is undecided").isEmpty();
    queue.decide("alice", "a", FashionClass.BAG);
    Map<TopicPartition, OffsetAndMetadata> offsets = queue.takeCommittable();
    assertThat(offsets.get(PARTITION).offset()).isEqualTo(2);
  }

  @Test
  void aRepeatedRequestForADecidedItemIsNotShownAgain() {
    offer("a", 0);
    shown("alice");
    queue.decide("alice", "a", FashionClass.BAG);
    offer("a", 1);
    assertThat(queue.next("bob")).isEmpty();
    assertThat(queue.takeCommittable().get(PARTITION).offset()).isEqualTo(2);
  }

  private String shown(String reviewer) {
    return queue.next(reviewer).orElseThrow().item().itemId();
  }

  private void offer(String itemId, long offset) {
    queue.offer(new QueuedRequest(PARTITION, offset, ReviewRequest.newBuilder()
        .setItemId(itemId).setScannerId("s").setWarehouseId("w").setCaptureTime(now).setClassifiedTime(now)
        .setModelVersion("v").setPredictedLabel(FashionClass.BAG).setConfidence(0.4f).setMargin(0.1f)
        .setTopK(List.of()).setReasons(List.of()).setWidth(1).setHeight(1).setPixels(ByteBuffer.wrap(new byte[1]))
        .build()));
  }
}
