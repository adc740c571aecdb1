package io.fashionclassifier.cli;

import io.fashionclassifier.bench.BenchPlan;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.training.TrainingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What help texts say about the stream settings, read from {@link ClassifierConfig#DEFINITION} so that no help
 * text repeats a default or spells a variable by hand: an option that stands for a setting says
 * {@code ${bundle:fashion.batch.size}} for its default and {@code ${bundle:fashion.batch.size.env}} for its
 * environment variable. The defaults of {@code train} and {@code bench}, which are no stream settings, come the
 * same way from where they are defined ({@link TrainingConfig#defaults}, {@link BenchPlan}), under {@code train.}
 * and {@code bench.} keys.
 */
final class SettingsHelp extends ListResourceBundle {

  static final String ENV_SUFFIX = ".env";

  @Override
  protected Object[][] getContents() {
    List<Object[]> contents = new ArrayList<>();
    ClassifierConfig.defaults().forEach((key, value) -> contents.add(new Object[] {key, value}));
    ClassifierConfig.environmentNames().forEach((variable, key) ->
        contents.add(new Object[] {key + ENV_SUFFIX, variable}));
    for (Architecture architecture : Architecture.values()) {
      TrainingConfig training = TrainingConfig.defaults(architecture);
      String prefix = "train." + architecture.name().toLowerCase(Locale.ROOT) + ".";
      contents.add(new Object[] {prefix + "epochs", Integer.toString(training.epochs())});
      contents.add(new Object[] {prefix + "batch-size", Integer.toString(training.batchSize())});
      contents.add(new Object[] {prefix + "learning-rate", Float.toString(training.learningRate())});
    }
    TrainingConfig cnn = TrainingConfig.defaults(Architecture.CNN);
    contents.add(new Object[] {"train.time-budget", duration(cnn.timeBudget())});
    contents.add(new Object[] {"demo.quick-training", duration(DemoCommand.QUICK_TRAINING)});
    BenchPlan standard = BenchPlan.standard();
    BenchPlan smoke = BenchPlan.smoke();
    contents.add(new Object[] {"bench.records", String.format(Locale.ROOT, "%,d", standard.endToEndRecords())});
    contents.add(new Object[] {"bench.records.smoke", String.format(Locale.ROOT, "%,d", smoke.endToEndRecords())});
    contents.add(new Object[] {"bench.batch-sizes", join(standard.endToEndBatchSizes())});
    contents.add(new Object[] {"bench.batch-sizes.smoke", join(smoke.endToEndBatchSizes())});
    contents.add(new Object[] {"bench.latency-fractions", join(standard.latencyFractions())});
    contents.add(new Object[] {"bench.soak", String.format(Locale.ROOT, "%,d", standard.soakRecords())});
    contents.add(new Object[] {"bench.long-soak", String.format(Locale.ROOT, "%,d", BenchPlan.LONG_SOAK_RECORDS)});
    contents.add(new Object[] {"bench.burst-low", Double.toString(standard.burst().lowFraction())});
    contents.add(new Object[] {"bench.burst-high", Double.toString(standard.burst().highFraction())});
    contents.add(new Object[] {"bench.burst-phase", duration(standard.burst().phase())});
    contents.add(new Object[] {"bench.bursts", Integer.toString(standard.burst().bursts())});
    return contents.toArray(Object[][]::new);
  }

  /** As {@link DurationConverter} reads it. */
  static String duration(Duration duration) {
    long seconds = duration.toSeconds();
    StringBuilder text = new StringBuilder();
    if (seconds >= 60) {
      text.append(seconds / 60).append('m');
    }
    if (seconds % 60 != 0 || seconds == 0) {
      text.append(seconds % 60).append('s');
    }
    return text.toString();
  }

  private static String join(List<?> values) {
    return values.stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
