package io.fashionclassifier.review;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets of the review topic are done with (decided, or not to be shown), so that the group's committed
 * offset never passes a request nobody has decided: after a restart the undecided ones come back.
 */
final class OffsetProgress {

  private final Map<TopicPartition, TreeMap<Long, Boolean>> pending = new HashMap<>();
  private final Map<TopicPartition, Long> committable = new HashMap<>();

  void read(TopicPartition partition, long offset) {
    pending.computeIfAbsent(partition, p -> new TreeMap<>()).put(offset, false);
  }

  void done(TopicPartition partition, long offset) {
    TreeMap<Long, Boolean> offsets = pending.get(partition);
    if (offsets == null || !offsets.containsKey(offset)) {
      return;
    }
    offsets.put(offset, true);
    while (!offsets.isEmpty() && offsets.firstEntry().getValue()) {
      committable.put(partition, offsets.pollFirstEntry().getKey() + 1);
    }
  }

  void forget(TopicPartition partition) {
    pending.remove(partition);
    committable.remove(partition);
  }

  /** The offsets to commit now (each partition's first undecided offset); handed out once. */
  Map<TopicPartition, OffsetAndMetadata> takeCommittable() {
    Map<TopicPartition, OffsetAndMetadata> result = new HashMap<>();
    committable.forEach((partition, offset) -> result.put(partition, new OffsetAndMetadata(offset)));
    committable.clear();
    return result;
  }
}
