package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.streaming.SmallModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * `demo` as a newcomer runs it, on its own in-process broker with a small real model and few images: the terminal
 * holds the live line and the summary, the log goes to the report directory, and {@code --verbose} shows it too.
 */
class DemoCommandTest {

  /** A line as the logging configuration writes it: time, level, thread. */
  private static final Pattern LOG_LINE =
      Pattern.compile("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO |WARN |ERROR) \\[");

  @TempDir Path work;

  @Test
  void theTerminalHoldsTheLiveLineAndTheSummaryAndTheLogGoesToTheReportUntilTheDemoEnds() throws Exception {
    Path report = work.resolve("report");
    Run run = demo(report);

    assertThat(run.exit).as(run.err).isZero();
    assertThat(run.terminal()).contains("Summary (model ").contains("came out")
        .contains("log:    " + report.toAbsolutePath().resolve("demo.log"));
    assertThat(LOG_LINE.matcher(run.terminal()).find()).as(run.terminal()).isFalse();
    String log = Files.readString(report.resolve("demo.log"));
    assertThat(LOG_LINE.matcher(log).results().count()).as(log).isPositive();
    assertThat(report.resolve("summary.md")).exists();

    // other commands in the same JVM (tests, a shell) log to the console again, and no longer to the report
    PrintStream original = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      LoggerFactory.getLogger(DemoCommandTest.class).warn("a line logged after the demo");
    } finally {
      System.setOut(original);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("a line logged after the demo");
    assertThat(Files.readString(report.resolve("demo.log"))).isEqualTo(log);
  }

  @Test
  void verboseShowsTheLogOnTheTerminalToo() throws Exception {
    Path report = work.resolve("verbose-report");
    Run run = demo(report, "--verbose");

    assertThat(run.exit).as(run.err).isZero();
    assertThat(run.terminal()).contains("Summary (model ").doesNotContain("--verbose shows it here");
    assertThat(LOG_LINE.matcher(run.terminal()).results().count()).as(run.terminal()).isPositive();
    assertThat(LOG_LINE.matcher(Files.readString(report.resolve("demo.log"))).results().count()).isPositive();
  }

  private static Run demo(Path report, String... more) {
    String[] args = {"demo", "--model", SmallModel.bundle().toString(), "--registry", "mock", "-n", "200",
        "--rate", "400", "--report", report.toString()};
    String[] all = new String[args.length + more.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    // the terminal is both streams: the logging configuration of the tests writes to stdout, the shipped one to
    // stderr
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    StringWriter cliErr = new StringWriter();
    int exit;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      var cli = Main.commandLine();
      cli.setErr(new PrintWriter(cliErr, true));
      exit = cli.execute(all);
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    Run run = new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8) + cliErr);
    originalOut.print(run.out);
    return run;
  }

  private record Run(int exit, String out, String err) {
    String terminal() {
      return out + err;
    }
  }
}
