package io.fashionclassifier.watch;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.schema.ReviewRequest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * What {@code watch} shows: the latest classified items, the newest cumulative and windowed accuracy figures, the
 * model versions (active and shadow) side by side, audit coverage, the review queue's depth, the newest health
 * window and open alarms of each scope, and the learning loop's latest decisions, folded from the topics. Rendering is separate from reading so that it can be tested
 * without a terminal.
 */
public final class WatchBoard {

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  /** Decisions are days apart: their time needs the date. */
  private static final DateTimeFormatter DAY_CLOCK =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  /** How many of the newest decisions are shown. */
  static final int LATEST_DECISIONS = 5;

  /** The review requests the board remembers: a bound on a view that runs for weeks. */
  static final int MAX_AWAITING = 100_000;

  private final int latestItems;
  private final IntFunction<String> className;
  private final Deque<ClassifiedItem> latest = new ArrayDeque<>();
  private final Map<String, AccuracyAggregate> cumulative = new TreeMap<>();
  private AccuracyAggregate latestWindow;
  private long itemsRead;
  /** The newest health window of each scope and key ("SCANNER:scanner-01"). */
  private final Map<String, ModelHealth> health = new TreeMap<>();
  /** The alarms raised and not cleared, by scope, key and signal. */
  private final Map<String, ModelHealth> alarms = new TreeMap<>();
  /** Items with a review request and no audit yet, oldest first, at most {@link #MAX_AWAITING}. */
  private final Set<String> awaitingReview = new LinkedHashSet<>();
  private long reviewRequests;
  private long audits;
  /** The newest decisions first, at most {@link #LATEST_DECISIONS}. */
  private final Deque<ModelDecision> decisions = new ArrayDeque<>();

  /**
   * @param latestItems how many of the newest items to keep and show
   * @param className display name of a class by its label (0-9)
   */
  public WatchBoard(int latestItems, IntFunction<String> className) {
    this.latestItems = latestItems;
    this.className = className;
  }

  public void accept(ClassifiedItem item) {
    itemsRead++;
    latest.addFirst(item);
    while (latest.size() > latestItems) {
      latest.removeLast();
    }
  }

  public void accept(AccuracyAggregate aggregate) {
    if (aggregate.getWindowStart() == null) {
      cumulative.put(aggregate.getScope() + ":" + aggregate.getKey(), aggregate);
    } else if (aggregate.getScope() == AggregateScope.OVERALL
        && (latestWindow == null || !aggregate.getWindowStart().isBefore(latestWindow.getWindowStart()))) {
      latestWindow = aggregate;
    }
  }

  /** A model-health record: a window's figures, an alarm, or the clearing of one. */
  public void accept(ModelHealth record) {
    String scope = record.getScope() + ":" + record.getKey();
    switch (record.getKind()) {
      case WINDOW -> {
        ModelHealth newest = health.get(scope);
        if (newest == null || !record.getWindowStart().isBefore(newest.getWindowStart())) {
          health.put(scope, record);
        }
      }
      case ALARM -> alarms.put(scope + " " + record.getSignal(), record);
      case CLEAR -> alarms.remove(scope + " " + record.getSignal());
      default -> { }
    }
  }

  public void accept(ReviewRequest request) {
    reviewRequests++;
    awaitingReview.add(request.getItemId());
    if (awaitingReview.size() > MAX_AWAITING) {
      // a request never answered for this long is not waiting for anybody any more
      awaitingReview.remove(awaitingReview.iterator().next());
    }
  }

  public void accept(ItemAudit audit) {
    audits++;
    awaitingReview.remove(audit.getItemId());
  }

  /** A decision of the learning loop; the topic keeps them in the order they were taken. */
  public void accept(ModelDecision decision) {
    decisions.addFirst(decision);
    while (decisions.size() > LATEST_DECISIONS) {
      decisions.removeLast();
    }
  }

  /** Review requests read that no audit has answered yet. */
  public int reviewQueueDepth() {
    return awaitingReview.size();
  }

  public long itemsRead() {
    return itemsRead;
  }

  /** Newest cumulative figure for a scope and key, or null when none was read yet. */
  public AccuracyAggregate cumulative(AggregateScope scope, String key) {
    return cumulative.get(scope + ":" + key);
  }

  /** Renders the board as plain text lines (no terminal control codes). */
  public String render(Instant now) {
    StringBuilder out = new StringBuilder();
    AccuracyAggregate overall = cumulative(AggregateScope.OVERALL, "all");
    out.append(String.format(Locale.ROOT, "fashion-classifier watch  %s UTC  items read: %,d%n",
        CLOCK.format(now), itemsRead));
    if (overall == null) {
      out.append("overall: no accuracy figure yet\n");
    } else {
      out.append(String.format(Locale.ROOT,
          "overall: %,d classified, %,d labelled, %,d correct, accuracy %s  (model %s)%n",
          overall.getSeen(), overall.getLabelled(), overall.getCorrect(),
          percent(overall.getAccuracy()), overall.getModelVersion()));
    }
    renderModels(out);
    if (overall != null && overall.getAudited() > 0) {
      out.append(String.format(Locale.ROOT,
          "audited: %,d of %,d items (%s), accuracy %s; random sample: %,d, accuracy %s (unbiased)%n",
          overall.getAudited(), overall.getSeen(), percent(ratio(overall.getAudited(), overall.getSeen())),
          percent(overall.getAuditedAccuracy()), overall.getSampledAudited(), percent(overall.getSampledAccuracy())));
    }
    if (reviewRequests > 0 || audits > 0) {
      out.append(String.format(Locale.ROOT, "review queue: %,d waiting (%,d requests, %,d audits read)%n",
          awaitingReview.size(), reviewRequests, audits));
    }
    if (latestWindow != null) {
      out.append(String.format(Locale.ROOT, "last window %s-%s: %,d labelled, accuracy %s%n",
          CLOCK.format(latestWindow.getWindowStart()),
          CLOCK.format(latestWindow.getWindowEnd()),
          latestWindow.getLabelled(), percent(latestWindow.getAccuracy())));
    }

    out.append(String.format(Locale.ROOT, "%n%-14s %9s %9s %10s %8s%n",
        "class", "predicted", "labelled", "precision", "recall"));
    for (FashionClass c : FashionClass.values()) {
      AccuracyAggregate a = cumulative(AggregateScope.CLASS, c.name());
      if (a != null) {
        out.append(String.format(Locale.ROOT, "%-14s %,9d %,9d %10s %8s%n", className.apply(c.ordinal()),
            a.getSeen(), a.getLabelled(), percent(a.getPrecision()), percent(a.getRecall())));
      }
    }

    out.append(String.format(Locale.ROOT, "%n%-14s %9s %9s %9s %9s %9s%n", "scanner", "seen", "labelled", "accuracy",
        "audited", "aud. acc"));
    cumulative.values().stream()
        .filter(a -> a.getScope() == AggregateScope.SCANNER)
        .forEach(a -> out.append(String.format(Locale.ROOT, "%-14s %,9d %,9d %9s %,9d %9s%n",
            a.getKey(), a.getSeen(), a.getLabelled(), percent(a.getAccuracy()), a.getAudited(),
            percent(a.getAuditedAccuracy()))));

    if (!health.isEmpty()) {
      out.append(String.format(Locale.ROOT, "%nhealth, last window  %8s %9s %9s %10s %9s  %s%n", "items",
          "mean conf", "est. acc", "low margin", "skew", "alarms"));
      health.forEach((scope, window) -> {
        String raised = alarms.values().stream()
            .filter(a -> (a.getScope() + ":" + a.getKey()).equals(scope))
            .map(a -> String.valueOf(a.getSignal()))
            .collect(Collectors.joining(","));
        out.append(String.format(Locale.ROOT, "%-20s %8d %9s %9s %10s %7.1fs  %s%n", scope, window.getCount(),
            percent(window.getMeanConfidence()), percent(window.getEstimatedAccuracy()),
            percent(window.getLowMarginShare()), window.getMeanSkewMs() / 1000, raised.isEmpty() ? "-" : raised));
      });
    }
    if (!alarms.isEmpty()) {
      out.append(String.format(Locale.ROOT, "ALARMS: %s%n", String.join("; ", alarms.keySet())));
    }
    renderDecisions(out);

    out.append(String.format(Locale.ROOT, "%n%-22s %-12s %-13s %6s %-13s%n",
        "latest item", "scanner", "predicted", "conf", "true label"));
    for (ClassifiedItem item : latest) {
      String truth = item.getTrueLabel() == null ? "-" : className.apply(item.getTrueLabel().ordinal());
      String mark = Boolean.FALSE.equals(item.getCorrect()) ? "  x" : "";
      out.append(String.format(Locale.ROOT, "%-22s %-12s %-13s %5.1f%% %-13s%s%n",
          item.getItemId(), item.getScannerId(), className.apply(item.getPredictedLabel().ordinal()),
          item.getConfidence() * 100, truth, mark));
    }
    return out.toString();
  }

  /**
   * Which version is active: the newest verdict's, else the newest OVERALL figure's. Every MODEL figure is one
   * version's record; a SHADOW figure compared with the active version is shown under it.
   */
  private void renderModels(StringBuilder out) {
    AccuracyAggregate overall = cumulative(AggregateScope.OVERALL, "all");
    String active = !latest.isEmpty() ? latest.peekFirst().getModelVersion()
        : overall == null ? null : overall.getModelVersion();
    boolean any = cumulative.values().stream()
        .anyMatch(a -> a.getScope() == AggregateScope.MODEL || a.getScope() == AggregateScope.SHADOW);
    if (!any) {
      return;
    }
    out.append(String.format(Locale.ROOT, "%n%-8s %-14s %9s %9s %9s %9s  %s%n",
        "model", "version", "seen", "labelled", "accuracy", "agreement", "active on the same items"));
    // the active version, its shadows, then the versions served before
    modelRows(out, a -> a.getKey().equals(active), "active");
    cumulative.values().stream()
        .filter(a -> a.getScope() == AggregateScope.SHADOW)
        .filter(a -> active == null || active.equals(a.getBaselineVersion()))
        .forEach(a -> out.append(String.format(Locale.ROOT, "%-8s %-14s %,9d %,9d %9s %9s  %s%n",
            "shadow", a.getModelVersion(), a.getSeen(), a.getLabelled(), percent(a.getAccuracy()),
            percent(a.getAgreement()), percent(a.getBaselineAccuracy()))));
    modelRows(out, a -> !a.getKey().equals(active), "earlier");
  }

  private void renderDecisions(StringBuilder out) {
    if (decisions.isEmpty()) {
      return;
    }
    out.append(String.format(Locale.ROOT, "%n%-19s  %-15s  %s%n", "decision (UTC)", "kind",
        "candidate (version): reason"));
    for (ModelDecision decision : decisions) {
      out.append(String.format(Locale.ROOT, "%-19s  %-15s  %s (%s): %s%n",
          DAY_CLOCK.format(decision.getDecisionTime()), decision.getKind(), printable(decision.getCandidateBundle()), printable(decision.getCandidateVersion()),
          printable(decision.getReason())));
    }
  }

  /** Free text from a topic anybody may write to: no control character reaches the terminal. */
  private static String printable(String text) {
    return text.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
  }

  private void modelRows(StringBuilder out, Predicate<AccuracyAggregate> which, String role) {
    cumulative.values().stream()
        .filter(a -> a.getScope() == AggregateScope.MODEL)
        .filter(which)
        .forEach(a -> out.append(String.format(Locale.ROOT, "%-8s %-14s %,9d %,9d %9s%n",
            role, a.getKey(), a.getSeen(), a.getLabelled(), percent(a.getAccuracy()))));
  }

  private static Double ratio(long part, long whole) {
    return whole == 0 ? null : (double) part / whole;
  }

  private static String percent(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.2f%%", value * 100);
  }
}
