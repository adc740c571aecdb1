package io.fashionclassifier.review;

import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The review requests read and not yet decided, shared by the reviewers: each reviewer holds a lease on at most one
 * item and nobody else is shown that item while the lease runs. An item is audited once: by the first reviewer who
 * decides it, and again only when that reviewer undoes the decision and picks another label (the audit join counts
 * the later audit as a replacement). Repeated submissions (a reload, a double click, a second tab) change nothing.
 */
public final class ReviewQueue {

  /** What became of a submitted label. */
  public enum Outcome {
    /** The audit was written. */
    PUBLISHED,
    /** This reviewer had already decided the item this way, or without undoing it first: nothing was written. */
    ALREADY_DECIDED,
    /** Another reviewer holds or decided the item: nothing was written. */
    TAKEN,
    /** The item is not in the queue (never read here, or dropped when its partition moved to another server). */
    UNKNOWN
  }

  /** A reviewer's leased item; {@code previous} is the label being corrected after an undo, else null. */
  public record Lease(QueuedRequest item, Instant until, FashionClass previous) {}

  /** What the page shows next to the item. */
  public record Figures(int open, int decidedBySession, double perMinute) {}

  /** Bounds the memory of who decided what: an item older than this many decisions is no longer guarded. */
  private static final int REMEMBERED_DECISIONS = 100_000;
  private static final int UNDO_DEPTH = 20;

  private final AuditSink sink;
  private final Clock clock;
  private final Duration leaseTime;

  private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();
  private final Map<String, Decided> decided = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Decided> eldest) {
      return size() > REMEMBERED_DECISIONS;
    }
  };
  private final Map<String, Reviewer> reviewers = new HashMap<>();
  private final OffsetProgress offsets = new OffsetProgress();

  private static final class Open {
    final QueuedRequest item;
    String holder;
    Instant until = Instant.MIN;
    FashionClass previous;

    Open(QueuedRequest item) {
      this.item = item;
    }
  }

  private record Decided(QueuedRequest item, String reviewer, FashionClass label) {}

  private static final class Reviewer {
    final Deque<String> history = new ArrayDeque<>();
    final Set<String> skipped = new HashSet<>();
    final Pace pace = new Pace();
    int decisions;
  }

  public ReviewQueue(AuditSink sink, Clock clock, Duration leaseTime) {
    this.sink = sink;
    this.clock = clock;
    this.leaseTime = leaseTime;
  }

  /** A request read from the topic; one for an item already open or decided is done with at once. */
  public synchronized void offer(QueuedRequest item) {
    offsets.read(item.partition(), item.offset());
    if (open.containsKey(item.itemId()) || decided.containsKey(item.itemId())) {
      offsets.done(item.partition(), item.offset());
      return;
    }
    open.put(item.itemId(), new Open(item));
  }

  /** A record that is not a readable request: nothing to show, but its offset must not hold the others back. */
  public synchronized void unreadable(TopicPartition partition, long offset) {
    offsets.read(partition, offset);
    offsets.done(partition, offset);
  }

  /** The reviewer's current item (its lease renewed), or else the next one nobody holds and they did not skip. */
  public synchronized Optional<Lease> next(String reviewer) {
    Instant now = clock.instant();
    Reviewer state = reviewer(reviewer);
    for (Open entry : open.values()) {
      if (reviewer.equals(entry.holder)) {
        entry.until = now.plus(leaseTime);
        return Optional.of(lease(entry));
      }
    }
    for (Open entry : open.values()) {
      boolean free = entry.holder == null || !entry.until.isAfter(now);
      if (free && !state.skipped.contains(entry.item.itemId())) {
        entry.holder = reviewer;
        entry.previous = null;
        entry.until = now.plus(leaseTime);
        return Optional.of(lease(entry));
      }
    }
    return Optional.empty();
  }

  /** Records the reviewer's label for the item, writing its audit unless that would count it twice. */
  public synchronized Outcome decide(String reviewer, String itemId, FashionClass label) {
    Instant now = clock.instant();
    Decided earlier = decided.get(itemId);
    Open entry = open.get(itemId);
    if (earlier != null && !earlier.reviewer().equals(reviewer)) {
      return Outcome.TAKEN;
    }
    if (entry == null) {
      return earlier != null ? Outcome.ALREADY_DECIDED : Outcome.UNKNOWN;
    }
    if (entry.holder != null && !entry.holder.equals(reviewer) && entry.until.isAfter(now)) {
      return Outcome.TAKEN;
    }
    Reviewer state = reviewer(reviewer);
    if (earlier != null && earlier.label() == label) {
      // undone, then the same label again: the audit already written stands
      close(entry, reviewer, label, state);
      return Outcome.ALREADY_DECIDED;
    }
    sink.publish(ItemAudit.newBuilder()
        .setItemId(itemId)
        .setTrueLabel(label)
        .setAuditor(reviewer)
        .setAuditTime(now)
        .setSource(AuditSource.REVIEW_QUEUE)
        .build());
    close(entry, reviewer, label, state);
    if (earlier == null) {
      state.decisions++;
      state.pace.decided(now);
    }
    return Outcome.PUBLISHED;
  }

  /** The reviewer passes on the item: others may take it, this reviewer is not shown it again. */
  public synchronized void skip(String reviewer, String itemId) {
    Open entry = open.get(itemId);
    if (entry == null || !reviewer.equals(entry.holder)) {
      return;
    }
    if (entry.previous != null) {
      // skipping a reopened item keeps the decision made before the undo
      open.remove(itemId);
      return;
    }
    reviewer(reviewer).skipped.add(itemId);
    entry.holder = null;
  }

  /**
   * Reopens the reviewer's latest decision for correction: the item is theirs again, shown with the label they gave;
   * the item they held meanwhile goes back to the queue. Empty when there is nothing of theirs left to undo.
   */
  public synchronized Optional<Lease> undo(String reviewer) {
    Reviewer state = reviewer(reviewer);
    while (!state.history.isEmpty()) {
      String itemId = state.history.pollLast();
      Decided earlier = decided.get(itemId);
      if (earlier == null || !earlier.reviewer().equals(reviewer) || open.containsKey(itemId)) {
        continue;
      }
      for (Open held : open.values()) {
        if (reviewer.equals(held.holder)) {
          held.holder = null;
          if (held.previous != null) {
            open.remove(held.item.itemId());
          }
          break;
        }
      }
      Open entry = new Open(earlier.item());
      entry.holder = reviewer;
      entry.previous = earlier.label();
      entry.until = clock.instant().plus(leaseTime);
      // first in line, so that it is what the reviewer is shown next
      LinkedHashMap<String, Open> reordered = new LinkedHashMap<>();
      reordered.put(itemId, entry);
      reordered.putAll(open);
      open.clear();
      open.putAll(reordered);
      return Optional.of(lease(entry));
    }
    return Optional.empty();
  }

  public synchronized Figures figures(String reviewer) {
    Reviewer state = reviewer(reviewer);
    int undecided = 0;
    for (Open entry : open.values()) {
      if (entry.previous == null) {
        undecided++;
      }
    }
    return new Figures(undecided, state.decisions, state.pace.perMinute(clock.instant()));
  }

  /** Requests read and not yet decided. */
  public synchronized int openCount() {
    return open.size();
  }

  /** The partitions went to another review server: their undecided requests are that server's now. */
  public synchronized void dropPartitions(Set<TopicPartition> partitions) {
    for (Iterator<Open> it = open.values().iterator(); it.hasNext(); ) {
      Open entry = it.next();
      if (partitions.contains(entry.item.partition()) && entry.previous == null) {
        it.remove();
      }
    }
    partitions.forEach(offsets::forget);
  }

  public synchronized Map<TopicPartition, OffsetAndMetadata> takeCommittable() {
    return offsets.takeCommittable();
  }

  private void close(Open entry, String reviewer, FashionClass label, Reviewer state) {
    String itemId = entry.item.itemId();
    open.remove(itemId);
    decided.put(itemId, new Decided(entry.item, reviewer, label));
    offsets.done(entry.item.partition(), entry.item.offset());
    state.history.remove(itemId);
    state.history.addLast(itemId);
    while (state.history.size() > UNDO_DEPTH) {
      state.history.pollFirst();
    }
  }

  private Reviewer reviewer(String name) {
    return reviewers.computeIfAbsent(name, n -> new Reviewer());
  }

  private static Lease lease(Open entry) {
    return new Lease(entry.item, entry.until, entry.previous);
  }
}
