package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StreamCommandTest {

  @Test
  void aMissingModelBundleFailsAtOnceWithOneLine(@TempDir Path dir) {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("stream", "--model", dir.resolve("no-model").toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: model directory").contains("does not exist").hasLineCount(1);
  }

  @Test
  void aCorruptModelBundleFailsAtOnceWithOneLine(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("manifest.json"), "{ not json");
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("stream", "--model", dir.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: ").contains("manifest.json").hasLineCount(1);
  }

  @Test
  void aMalformedSettingFailsAtOnceNamingIt() {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("stream", "-D", "fashion.batch.max.wait.ms=soon");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith(
        "error: fashion.batch.max.wait.ms (env FASHION_BATCH_MAX_WAIT_MS) must be a whole number, not 'soon'");
  }
}
