package io.fashionclassifier.watch;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * What {@code watch} shows: the latest classified items and the newest cumulative and windowed accuracy
 * figures, folded from the two output topics. Rendering is separate from reading so that it can be tested
 * without a terminal.
 */
public final class WatchBoard {

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final int latestItems;
  private final IntFunction<String> className;
  private final Deque<ClassifiedItem> latest = new ArrayDeque<>();
  private final Map<String, AccuracyAggregate> cumulative = new TreeMap<>();
  private AccuracyAggregate latestWindow;
  private long itemsRead;

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

    out.append(String.format(Locale.ROOT, "%n%-14s %9s %9s %9s%n", "scanner", "seen", "labelled", "accuracy"));
    cumulative.values().stream()
        .filter(a -> a.getScope() == AggregateScope.SCANNER)
        .forEach(a -> out.append(String.format(Locale.ROOT, "%-14s %,9d %,9d %9s%n",
            a.getKey(), a.getSeen(), a.getLabelled(), percent(a.getAccuracy()))));

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

  private static String percent(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.2f%%", value * 100);
  }
}
