package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
    assertThat(help).contains("~94%", "~88%)").doesNotContain("%%");
  }
}
