package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.bench.BenchPlan;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.training.TrainingConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's help renders as written: picocli warns on stderr (and prints the raw text) for a stray '%'. */
class HelpTest {

  @Test
  void everyCommandsHelpRendersWithoutFormatWarnings() {
    CommandLine main = Main.commandLine();
    PrintStream stderr = System.err;
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    StringBuilder help = new StringBuilder(main.getUsageMessage());
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try {
      main.getSubcommands().values().forEach(command -> help.append(command.getUsageMessage()));
    } finally {
      System.setErr(stderr);
    }

    assertThat(warnings.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(help).doesNotContain("%%");
  }

  /**
   * Help texts keep no measured figure (an accuracy, a duration) by hand, and the defaults of {@code train} and
   * {@code bench} are read from where they are defined.
   */
  @Test
  void helpTextsHoldNoHandKeptFiguresAndTheDefaultsAreTheDefinitions() {
    CommandLine main = Main.commandLine();
    main.setUsageHelpWidth(400);
    StringBuilder help = new StringBuilder();
    commandsOf(main).forEach(command -> help.append(command.getUsageMessage()));
    String train = main.getSubcommands().get("train").getUsageMessage();
    String bench = main.getSubcommands().get("bench").getUsageMessage();
    TrainingConfig cnn = TrainingConfig.defaults(Architecture.CNN);
    BenchPlan plan = BenchPlan.standard();

    assertThat(help.toString()).doesNotContainPattern("~\\d+%").doesNotContainPattern("about \\d+ (s|min)");
    assertThat(train).contains("(default: cnn " + cnn.epochs() + ",")
        .contains("(default: cnn " + cnn.batchSize() + ", mlp " + TrainingConfig.defaults(Architecture.MLP).batchSize())
        .contains("(default: " + SettingsHelp.duration(cnn.timeBudget()) + ")");
    assertThat(bench).contains(String.format(java.util.Locale.ROOT, "(default %,d;", plan.endToEndRecords()))
        .contains("--bursts").contains("(default " + plan.burst().bursts() + ")")
        .contains("(default " + plan.burst().highFraction() + ")");
    assertThat(new DurationConverter().convert(SettingsHelp.duration(cnn.timeBudget()))).isEqualTo(cnn.timeBudget());
  }

  /**
   * A command list shows each command by its summary ({@code header}): one whole sentence, which must fit on the
   * command's own line of the list, so that it is never cut (or wrapped) mid-sentence there; the detail stays in
   * the command's own help ({@code description}).
   */
  @Test
  void everyCommandIsListedByAOneLineSummaryThatIsAWholeSentence() {
    for (CommandLine parent : commandsWithSubcommands(Main.commandLine())) {
      List<String> listing = parent.getUsageMessage().lines().toList();
      parent.getSubcommands().forEach((name, command) -> {
        String what = parent.getCommandName() + " " + name;
        String[] header = command.getCommandSpec().usageMessage().header();
        assertThat(header).as("%s: the summary (header)", what).hasSize(1);
        String summary = header[0];
        assertThat(summary).as("%s: the summary", what).matches("[A-Z][^\\n]*[^.]\\.");
        Pattern line = Pattern.compile("\\s+" + Pattern.quote(name) + "\\s+" + Pattern.quote(summary));
        assertThat(listing).as("%s: its line in the list of %s --help", what, parent.getCommandName())
            .anyMatch(text -> line.matcher(text).matches());
        if (!command.getCommandSpec().helpCommand()) {
          assertThat(command.getCommandSpec().usageMessage().description()).as("%s: the detail", what)
              .isNotEmpty();
          assertThat(command.getUsageMessage()).as("%s --help", what).startsWith(summary + System.lineSeparator());
        }
      });
    }
  }

  /** The options that stand for stream settings show the definition's defaults and variables. */
  @Test
  void settingsInHelpTextsAreTheDefinitionsDefaultsAndVariables() {
    CommandLine main = Main.commandLine();
    main.setUsageHelpWidth(400); // no text wrapped, so that each is seen whole
    StringBuilder help = new StringBuilder();
    commandsOf(main).forEach(command -> help.append(command.getUsageMessage()));
    String stream = main.getSubcommands().get("stream").getUsageMessage();
    Map<String, String> defaults = ClassifierConfig.defaults();

    assertThat(help.toString()).doesNotContain("${").doesNotContainPattern("\\bnull\\b");
    assertThat(stream)
        .contains("(env " + ClassifierConfig.environmentName("bootstrap.servers") + "; default "
            + defaults.get("bootstrap.servers") + ")")
        .contains("(fashion.batch.size, default " + defaults.get(ClassifierConfig.BATCH_SIZE) + ")")
        .contains("(fashion.http.port, default " + defaults.get(ClassifierConfig.HTTP_PORT) + ";");
  }

  private static List<CommandLine> commandsWithSubcommands(CommandLine root) {
    return commandsOf(root).stream().filter(command -> !command.getSubcommands().isEmpty()).toList();
  }

  private static List<CommandLine> commandsOf(CommandLine root) {
    List<CommandLine> all = new ArrayList<>(List.of(root));
    root.getSubcommands().values().forEach(command -> all.addAll(commandsOf(command)));
    return all;
  }
}
