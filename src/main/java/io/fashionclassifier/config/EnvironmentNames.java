package io.fashionclassifier.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one rule between a setting's key and its environment variable, shared by the stream classifier's settings
 * and the Avro serdes' (which know nothing of the classifier), and the same as Confluent's images use: upper case,
 * {@code .} written {@code _}, and an {@code _} of the key written {@code __}, so that keys with an underscore can
 * be given too ({@code fashion.a_b} is {@code FASHION_A__B}).
 *
 * <p>A key in which {@code _} and {@code .} touch (say {@code a._b}) has no variable: its spelling would read back
 * as another key.
 */
public final class EnvironmentNames {

  private EnvironmentNames() {}

  /** The variable of {@code key} under {@code prefix}: {@code ("FASHION_", "batch.size")} is {@code FASHION_BATCH_SIZE}. */
  public static String variable(String prefix, String key) {
    return prefix + key.toUpperCase(Locale.ROOT).replace("_", "__").replace('.', '_');
  }

  /** The key a variable's name spells once its prefix is cut off: {@code BATCH_SIZE} is {@code batch.size}. */
  public static String key(String spelled) {
    String lower = spelled.toLowerCase(Locale.ROOT);
    StringBuilder key = new StringBuilder(lower.length());
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      if (c != '_') {
        key.append(c);
      } else if (i + 1 < lower.length() && lower.charAt(i + 1) == '_') {
        key.append('_');
        i++;
      } else {
        key.append('.');
      }
    }
    return key.toString();
  }

  /**
   * Every variable of {@code environment} whose name starts with {@code prefix} (and goes on), as the setting
   * {@code keyPrefix + key(rest)}: {@code ("KAFKA_", "")} turns {@code KAFKA_SECURITY_PROTOCOL} into
   * {@code security.protocol}.
   */
  public static Map<String, String> withPrefix(Map<String, String> environment, String prefix, String keyPrefix) {
    Map<String, String> settings = new LinkedHashMap<>();
    environment.entrySet().stream()
        .filter(variable -> variable.getKey().startsWith(prefix) && variable.getKey().length() > prefix.length())
        .sorted(Map.Entry.comparingByKey())
        .forEach(variable ->
            settings.put(keyPrefix + key(variable.getKey().substring(prefix.length())), variable.getValue()));
    return settings;
  }
}
