package io.fashionclassifier.review;

import io.fashionclassifier.schema.ReviewRequest;
import org.apache.kafka.common.TopicPartition;

/** A review request as read, with where it was read from (its offset is committed once it is decided). */
public record QueuedRequest(TopicPartition partition, long offset, ReviewRequest request) {
  public String itemId() {
    return request.getItemId();
  }
}
