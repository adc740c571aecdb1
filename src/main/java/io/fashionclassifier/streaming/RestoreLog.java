package io.fashionclassifier.streaming;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StandbyUpdateListener;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per state-store restoration and per standby replica that starts or stops: when a task moves, these
 * say whether its micro-batch buffer came from a standby copy (promoted, little to restore) or from the whole
 * changelog, which is what {@code num.standby.replicas} is for.
 */
final class RestoreLog implements StateRestoreListener, StandbyUpdateListener {

  private static final Logger log = LoggerFactory.getLogger(RestoreLog.class);

  @Override
  public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
    log.info("restoring {} from {} offsets {} to {} ({} records at most)", storeName, partition, startingOffset,
        endingOffset, Math.max(0, endingOffset - startingOffset));
  }

  @Override
  public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
    // per batch: too many lines to log
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
    log.info("restored {} from {}: {} records", storeName, partition, totalRestored);
  }

  @Override
  public void onUpdateStart(TopicPartition partition, String storeName, long startingOffset) {
    log.info("standby of {} from {} starts at offset {}", storeName, partition, startingOffset);
  }

  @Override
  public void onBatchLoaded(TopicPartition partition, String storeName, TaskId taskId, long batchEndOffset,
      long batchSize, long currentEndOffset) {
    // per batch: too many lines to log
  }

  @Override
  public void onUpdateSuspended(TopicPartition partition, String storeName, long storeOffset, long currentEndOffset,
      SuspendReason reason) {
    log.info("standby of {} from {} {} at offset {} of {}", storeName, partition,
        reason == SuspendReason.PROMOTED ? "promoted to active" : "moved away", storeOffset, currentEndOffset);
  }
}
