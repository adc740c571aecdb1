package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.ItemAudit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the audits with the verdicts, by item id, and counts each audited item once in the accuracy figures.
 *
 * <ul>
 *   <li>A verdict is kept for the audit retention from its arrival here (store {@code audit-verdicts}, persistent).
 *   <li>An audit of a kept verdict counts at once; the audit that counts is kept with the verdict, in the same
 *       entry ({@link JoinedVerdict}). A later audit of the same item replaces it: the figures change by the
 *       difference (old subtracted, new added), and the audited item is sent again.
 *   <li>An audit with no verdict yet waits for it, for the retention too ({@code audit-waiting}); a later audit of
 *       the same item replaces the waiting one. One still waiting after the retention goes to the dead-letter
 *       topic, as it arrived, with the reason headers ({@link UnmatchedAuditException}): its item is unknown, or
 *       its verdict had expired, which the join cannot tell apart once the verdict is gone.
 *   <li>A new verdict of an audited item (the item scanned again) takes the old one's place, its audit still
 *       counting: the figures move from the old verdict to the new one.
 * </ul>
 *
 * <p>Both stores are window stores on the classifier's clock, so that what is older than the retention leaves
 * them segment by segment with no scan; only the waiting audits, which end as dead letters, are looked through,
 * by a punctuator. The waiting audits are in memory (restored from their changelog at start): they are only the
 * early and the unmatched ones, and an in-memory store needs no checkpoint (see {@link JoinedVerdict}).
 */
final class AuditJoin implements Processor<String, AuditInput, String, AuditOutput> {

  private static final Logger log = LoggerFactory.getLogger(AuditJoin.class);

  /** Names of the join's stores. */
  record Stores(String verdicts, String waiting) {}

  private final Stores storeNames;
  private final long retentionMillis;
  private final Duration expiryInterval;
  private final ReviewSample sample;
  private final Deserializer<ItemAudit> audits;
  private final long maxFutureSkewMillis;
  private final long windowMillis;
  private final AuditCounters counters;
  private ProcessorContext<String, AuditOutput> context;
  private WindowStore<String, JoinedVerdict> verdicts;
  private WindowStore<String, BufferedRecord> waiting;
  private int deadLetterLimit;
  private long expiredUpTo = Long.MIN_VALUE;

  /**
   * @param retention how long a verdict waits for its audits, and an audit for its verdict
   * @param sample the review queue's random sample, which makes an audit count in the sampled figures
   * @param window the accuracy windows' size, {@code maxFutureSkew} their future-skew bound: an audit counts in
   *     its item's window
   */
  AuditJoin(Stores stores, Duration retention, ReviewSample sample, Deserializer<ItemAudit> audits,
      Duration window, Duration maxFutureSkew, AuditCounters counters) {
    this.storeNames = stores;
    this.retentionMillis = retention.toMillis();
    this.expiryInterval = expiryInterval(retention);
    this.sample = sample;
    this.audits = audits;
    this.windowMillis = window.toMillis();
    this.maxFutureSkewMillis = maxFutureSkew.toMillis();
    this.counters = counters;
  }

  /** How often waiting audits are looked through: a tenth of the retention, at least a second, at most a minute. */
  static Duration expiryInterval(Duration retention) {
    Duration tenth = retention.dividedBy(10);
    Duration minute = Duration.ofMinutes(1);
    Duration second = Duration.ofSeconds(1);
    return tenth.compareTo(minute) > 0 ? minute : tenth.compareTo(second) < 0 ? second : tenth;
  }

  /** How long the waiting store keeps an audit: past the retention by the time it may take to notice. */
  static Duration waitingRetention(Duration retention) {
    return retention.plus(expiryInterval(retention).multipliedBy(2));
  }

  @Override
  public void init(ProcessorContext<String, AuditOutput> context) {
    this.context = context;
    this.verdicts = context.getStateStore(storeNames.verdicts());
    this.waiting = context.getStateStore(storeNames.waiting());
    this.deadLetterLimit = DeadLetters.sizeLimit(context.appConfigs());
    context.schedule(expiryInterval, PunctuationType.WALL_CLOCK_TIME, this::expireWaiting);
  }

  @Override
  public void process(Record<String, AuditInput> record) {
    long now = context.currentSystemTimeMs();
    // first, so that an audit whose wait ended while no punctuator ran (this instance was down) is dead-lettered
    // before a put moves the store on and drops it unseen
    if (expiredUpTo == Long.MIN_VALUE || now - expiredUpTo >= expiryInterval.toMillis()) {
      expireWaiting(now);
    }
    if (record.value() instanceof AuditInput.Verdict verdict) {
      onVerdict(record.key(), verdict.item(), now);
    } else {
      onAudit(record.key(), ((AuditInput.Audit) record.value()).original(), now);
    }
  }

  private void onVerdict(String itemId, ClassifiedItem verdict, long now) {
    KeyValue<Long, JoinedVerdict> previous = latest(verdicts, itemId, now);
    if (previous != null) {
      verdicts.put(itemId, null, previous.key);
      AuditedItem item = previous.value.audited();
      if (item != null) {
        counters.reverdict.increment();
        AuditedItem moved = AuditedItem.newBuilder(item)
            .setVerdict(verdict)
            .setCorrect(verdict.getPredictedLabel() == item.getTrueLabel())
            .build();
        emit(itemId, counted(item), new AuditFigures.Counted(verdict, item.getTrueLabel(), item.getSampled()),
            moved, now, now);
        return;
      }
    }
    KeyValue<Long, BufferedRecord> early = latest(waiting, itemId, now);
    if (early == null) {
      verdicts.put(itemId, new JoinedVerdict(verdict, null), now);
      return;
    }
    waiting.put(itemId, null, early.key);
    counters.early.increment();
    count(itemId, verdict, now, null, decode(early.value), now);
  }

  private void onAudit(String itemId, BufferedRecord original, long now) {
    ItemAudit audit = decode(original);
    KeyValue<Long, JoinedVerdict> joined = latest(verdicts, itemId, now);
    if (joined == null) {
      KeyValue<Long, BufferedRecord> earlier = latest(waiting, itemId, now);
      if (earlier != null) {
        waiting.put(itemId, null, earlier.key);
        counters.replaced.increment();
      }
      waiting.put(itemId, original, now);
      counters.waiting.increment();
      return;
    }
    AuditedItem previous = joined.value.audited();
    if (previous != null) {
      counters.replaced.increment();
    }
    count(itemId, joined.value.verdict(), joined.key, previous, audit, now);
  }

  /** Counts {@code audit} of the verdict kept since {@code verdictTime}, in place of {@code previous} if any. */
  private void count(String itemId, ClassifiedItem verdict, long verdictTime, AuditedItem previous, ItemAudit audit,
      long now) {
    boolean sampled = sample.drawn(itemId);
    AuditedItem item = AuditedItem.newBuilder()
        .setVerdict(verdict)
        .setTrueLabel(audit.getTrueLabel())
        .setCorrect(verdict.getPredictedLabel() == audit.getTrueLabel())
        .setAuditor(audit.getAuditor())
        .setAuditTime(audit.getAuditTime())
        .setSource(audit.getSource())
        .setSampled(sampled)
        .setAudits(previous == null ? 1 : previous.getAudits() + 1)
        .setReplacedLabel(previous == null ? null : previous.getTrueLabel())
        .build();
    counters.counted.increment();
    emit(itemId, previous == null ? null : counted(previous),
        new AuditFigures.Counted(verdict, audit.getTrueLabel(), sampled), item, verdictTime, now);
  }

  /**
   * Keeps {@code item} with its verdict (stored at {@code verdictTime}, so it leaves with it), and sends the change
   * of the figures and the audited item.
   */
  private void emit(String itemId, AuditFigures.Counted before, AuditFigures.Counted after, AuditedItem item,
      long verdictTime, long now) {
    verdicts.put(itemId, new JoinedVerdict(item.getVerdict(), item), verdictTime);
    for (AccuracyAggregates.Partial partial
        : AuditFigures.change(before, after, maxFutureSkewMillis, windowMillis, now)) {
      context.forward(new Record<>(partial.scopeKey(), new AuditOutput.Figure(partial.figure()), partial.timestamp()));
    }
    context.forward(new Record<>(itemId, new AuditOutput.Audited(item), now));
  }

  private static AuditFigures.Counted counted(AuditedItem item) {
    return new AuditFigures.Counted(item.getVerdict(), item.getTrueLabel(), item.getSampled());
  }

  /** Dead-letters the audits that waited the whole retention for a verdict. */
  private void expireWaiting(long now) {
    expiredUpTo = now;
    long cutoff = now - retentionMillis;
    List<KeyValue<Windowed<String>, BufferedRecord>> expired = new ArrayList<>();
    try (KeyValueIterator<Windowed<String>, BufferedRecord> entries =
        waiting.fetchAll(Long.MIN_VALUE / 2, cutoff)) {
      entries.forEachRemaining(expired::add);
    }
    for (KeyValue<Windowed<String>, BufferedRecord> entry : expired) {
      String itemId = entry.key.key();
      waiting.put(itemId, null, entry.key.window().start());
      BufferedRecord original = entry.value;
      UnmatchedAuditException reason = new UnmatchedAuditException("no verdict of item '" + itemId
          + "' came within " + Duration.ofMillis(retentionMillis) + " (" + ClassifierConfig.AUDITS_RETENTION_MS
          + ") of this audit: the item is unknown, or its verdict had expired");
      DeadLetters.Letter letter = DeadLetters.letter(original, reason, Instant.ofEpochMilli(now), deadLetterLimit);
      counters.unmatched.increment();
      context.forward(new Record<String, AuditOutput>(
          null, new AuditOutput.DeadLetter(letter.key(), letter.value()), original.timestamp(), letter.headers()));
    }
    if (!expired.isEmpty()) {
      log.warn("task {}: {} audit(s) had no verdict within {}; sent to the dead-letter topic", context.taskId(),
          expired.size(), Duration.ofMillis(retentionMillis));
    }
  }

  private ItemAudit decode(BufferedRecord original) {
    // checked on arrival: what can still fail here is the registry, which must fail the task, not the audit
    return AuditDecoder.decode(audits, original.topic(), original.headers(), original.value());
  }

  /** The latest entry of {@code key} within the retention, with the time it was stored at. */
  private <V> KeyValue<Long, V> latest(WindowStore<String, V> store, String key, long now) {
    KeyValue<Long, V> latest = null;
    try (WindowStoreIterator<V> entries = store.fetch(key, now - retentionMillis, now)) {
      while (entries.hasNext()) {
        latest = entries.next();
      }
    }
    return latest;
  }

  /** The join's counters, {@code fashion.audits{outcome}}; shared by the tasks of one application instance. */
  static final class AuditCounters {
    final Counter counted;
    final Counter replaced;
    final Counter waiting;
    final Counter early;
    final Counter unmatched;
    final Counter reverdict;

    AuditCounters(MeterRegistry registry) {
      counted = counter(registry, "counted", "Audits joined with their verdict and counted in the figures");
      replaced = counter(registry, "replaced", "Audits that replaced an earlier audit of the same item");
      waiting = counter(registry, "waiting", "Audits that came before their verdict and waited for it");
      early = counter(registry, "early", "Waiting audits whose verdict then came (counted then)");
      unmatched = counter(registry, "unmatched",
          "Audits with no verdict within the retention (unknown or expired item), sent to the dead-letter topic");
      reverdict = counter(registry, "reverdict", "New verdicts of audited items, whose audit moved to them");
    }

    private static Counter counter(MeterRegistry registry, String outcome, String description) {
      return Counter.builder("fashion.audits").description(description).tag("outcome", outcome).register(registry);
    }
  }
}
