package io.fashionclassifier.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The one duration format of every option: plain seconds ({@code 300}), units and their sums ({@code 500ms},
 * {@code 20s}, {@code 9m25s}, {@code 1h}), or ISO-8601 ({@code PT9M}). Every command reads durations the same way,
 * so {@code watch --duration 300} means what {@code train --time-budget 300} means.
 */
final class DurationConverter implements ITypeConverter<Duration> {

  static final String FORMATS = "300 (seconds), 500ms, 20s, 9m25s, 1h or PT9M";
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

  @Override
  public Duration convert(String value) {
    Duration duration = parse(value.trim().toLowerCase(Locale.ROOT));
    if (duration == null || duration.isNegative()) {
      throw new TypeConversionException("'" + value + "' is not a duration: write e.g. " + FORMATS);
    }
    return duration;
  }

  private static Duration parse(String text) {
    try {
      if (text.matches("\\d+")) {
        return Duration.ofSeconds(Long.parseLong(text));
      }
      if (text.startsWith("pt")) {
        return Duration.parse(text.toUpperCase(Locale.ROOT));
      }
      Matcher matcher = PART.matcher(text);
      Duration total = Duration.ZERO;
      int end = 0;
      while (matcher.find() && matcher.start() == end) {
        long amount = Long.parseLong(matcher.group(1));
        total = total.plus(switch (matcher.group(2)) {
          case "h" -> Duration.ofHours(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "s" -> Duration.ofSeconds(amount);
          default -> Duration.ofMillis(amount);
        });
        end = matcher.end();
      }
      return end == 0 || end != text.length() ? null : total;
    } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
      return null;
    }
  }
}
