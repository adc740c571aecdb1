package io.fashionclassifier.deployment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names, label matchers and grouping labels a PromQL expression uses, found by a small tokenizer rather
 * than a full parser (none is on Maven Central for Java): string literals and range or subquery durations are
 * skipped, and every other identifier is classified as a function or aggregation (followed by {@code (}), a keyword, a
 * label of a grouping clause ({@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left},
 * {@code group_right}), a label of a matcher ({@code {label="value"}}) or a metric name. Enough for the chart's
 * own expressions, whose test fails when the extraction finds nothing.
 */
final class PromQlSelectors {

  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "and", "or", "unless", "bool", "offset", "inf", "nan");
  /** Aggregation operators, which may be followed by a grouping clause rather than their parenthesis. */
  private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
      "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern MATCHER = Pattern.compile(
      "\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");

  /** One selector: a metric name and its label matchers (label -> operator and value). */
  record Selector(String metric, Map<String, LabelMatcher> matchers) {}

  /** A label matcher's operator ({@code =}, {@code !=}, {@code =~}, {@code !~}) and value. */
  record LabelMatcher(String operator, String value) {}

  private final List<Selector> selectors = new ArrayList<>();
  private final Set<String> groupingLabels = new LinkedHashSet<>();

  private PromQlSelectors() {}

  static PromQlSelectors of(String expression) {
    PromQlSelectors found = new PromQlSelectors();
    found.scan(expression);
    return found;
  }

  List<Selector> selectors() {
    return selectors;
  }

  Set<String> groupingLabels() {
    return groupingLabels;
  }

  private void scan(String expression) {
    String text = expression;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = skipString(text, i);
        continue;
      }
      if (c == '[') {
        // a range or subquery duration ([5m], [15m:1m], [$__rate_interval])
        i = text.indexOf(']', i) + 1;
        continue;
      }
      if (c == '#') {
        int end = text.indexOf('\n', i);
        i = end < 0 ? text.length() : end;
        continue;
      }
      Matcher identifier = IDENTIFIER.matcher(text).region(i, text.length());
      boolean startsWord = i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)) && text.charAt(i - 1) != '_'
          && text.charAt(i - 1) != '.';
      if (startsWord && identifier.lookingAt()) {
        String word = identifier.group();
        int after = skipSpace(text, identifier.end());
        if (KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
          boolean grouping = !Set.of("and", "or", "unless", "bool", "offset", "inf", "nan")
              .contains(word.toLowerCase(java.util.Locale.ROOT));
          if (grouping && after < text.length() && text.charAt(after) == '(') {
            int close = text.indexOf(')', after);
            for (String label : text.substring(after + 1, close).split(",")) {
              if (!label.isBlank()) {
                groupingLabels.add(label.strip());
              }
            }
            i = close + 1;
          } else {
            i = identifier.end();
          }
          continue;
        }
        if (after < text.length() && text.charAt(after) == '(' || AGGREGATIONS.contains(word)) {
          i = identifier.end();
          continue;
        }
        Map<String, LabelMatcher> matchers = new LinkedHashMap<>();
        i = identifier.end();
        if (after < text.length() && text.charAt(after) == '{') {
          i = matchers(text, after + 1, matchers);
        }
        selectors.add(new Selector(word, matchers));
        continue;
      }
      if (c == '{') {
        // a selector by matchers alone ({__name__="..."}) is not used by the chart
        throw new IllegalArgumentException("a selector without a metric name: " + expression);
      }
      i++;
    }
  }

  private static int matchers(String text, int from, Map<String, LabelMatcher> into) {
    int i = from;
    Matcher matcher = MATCHER.matcher(text);
    while (matcher.region(i, text.length()).lookingAt()) {
      into.put(matcher.group(1), new LabelMatcher(matcher.group(2), matcher.group(3)));
      i = matcher.end();
    }
    int close = skipSpace(text, i);
    if (close >= text.length() || text.charAt(close) != '}') {
      throw new IllegalArgumentException("cannot read the label matchers at: " + text.substring(from));
    }
    return close + 1;
  }

  private static int skipString(String text, int open) {
    char quote = text.charAt(open);
    int i = open + 1;
    while (i < text.length() && text.charAt(i) != quote) {
      i += text.charAt(i) == '\\' ? 2 : 1;
    }
    return i + 1;
  }

  private static int skipSpace(String text, int from) {
    int i = from;
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }
}
