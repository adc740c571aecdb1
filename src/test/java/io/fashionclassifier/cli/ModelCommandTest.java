package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.streaming.RunningModelWatcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code model list|activate|shadow|rollback|acceptance|calibrate} on a repository of real (randomly initialised) bundles. */
class ModelCommandTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private String one;
  private String two;

  @BeforeEach
  void twoBundlesAndACorruptOne() throws IOException {
    one = bundle("one");
    two = bundle("two");
    bundle("corrupt");
    Path parameters = dir.resolve("corrupt").resolve(ModelBundle.PARAMETERS_FILE);
    byte[] bytes = Files.readAllBytes(parameters);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(parameters, bytes);
  }

  private String bundle(String name) {
    return RandomBundles.save(dir.resolve(name));
  }

  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--models";
    all[args.length + 1] = dir.toString();
    return cli.execute(all);
  }

  @Test
  void activateThenRollbackMovesThePointersAndListShowsThem() {
    assertThat(run("model", "activate", "one")).isZero();
    assertThat(run("model", "activate", "two")).isZero();
    assertThat(out.toString()).contains("active: two (version " + two + "), previous: one");
    assertThat(run("model", "rollback")).isZero();
    assertThat(out.toString()).contains("active: one (version " + one + "), previous: two");
    assertThat(run("model", "shadow", "two")).isZero();

    out.getBuffer().setLength(0);
    assertThat(run("model", "list")).isZero();
    assertThat(out.toString())
        .containsPattern("active +one +" + one + " +mlp")
        .containsPattern("shadow +two +" + two + " +mlp")
        .containsPattern("\\n +corrupt +");
  }

  @Test
  void withNoRunningClassifierActivateSaysItIsUnconfirmed() {
    assertThat(run("model", "activate", "one")).isZero();

    assertThat(out.toString()).contains("active: one (version " + one + ")\n"
        + "unconfirmed: no running classifier reports to " + dir.resolve(".serving"));
  }

  @Test
  void activateWaitsForTheRunningClassifiersAndSaysTheyTookItUp() {
    assertThat(run("model", "activate", "one", "--wait", "0")).isZero();
    try (RunningModelWatcher classifier = RunningModelWatcher.start(dir, Duration.ofMillis(100), ModelBundle::load)) {
      out.getBuffer().setLength(0);

      assertThat(run("model", "activate", "two", "--wait", "30s")).isZero();

      assertThat(out.toString()).isEqualTo("active: two (version " + two + "), previous: one\n"
          + "taken up by all 1 running classifiers\n");
      assertThat(classifier.activeVersion()).isEqualTo(two);
    }
  }

  @Test
  void activateSaysWhichRunningClassifierRefusedTheBundleAndWhy() {
    assertThat(run("model", "activate", "one", "--wait", "0")).isZero();
    // this classifier's volume holds other files under the name 'two' than the command checked: the corrupt ones
    Function<Path, ModelBundle> outOfSync = path -> ModelBundle.load(
        path.getFileName().toString().equals("two") ? dir.resolve("corrupt") : path);
    try (RunningModelWatcher classifier = RunningModelWatcher.start(dir, Duration.ofMillis(100), outOfSync)) {
      out.getBuffer().setLength(0);

      int exit = run("model", "activate", "two", "--wait", "30s");

      assertThat(exit).isEqualTo(2);
      assertThat(out.toString())
          .startsWith("active: two (version " + two + "), previous: one\n"
              + "taken up by 0 of 1 running classifiers\n"
              + "refused by " + classifier.instance() + ": ")
          .contains("content hash");
      assertThat(err.toString()).isEqualTo("error: 1 of 1 running classifiers refused two and keep serving what they"
          + " served (reasons above); 'model rollback' points 'active' back\n");
      assertThat(classifier.activeVersion()).as("it still serves the last good bundle").isEqualTo(one);
    }
  }

  @Test
  void aCorruptBundleIsRefusedWithOneLineAndNoPointerMoves() {
    assertThat(run("model", "activate", "one")).isZero();

    int exit = run("model", "activate", "corrupt");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: refused: ").contains("content hash").hasLineCount(1);
    assertThat(ModelRepository.at(dir).active()).contains("one");
    assertThat(ModelRepository.at(dir).previous()).isEmpty();
  }

  @Test
  void rollbackWithNothingToGoBackToSaysSo() {
    assertThat(run("model", "activate", "one")).isZero();

    assertThat(run("model", "rollback")).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: nothing to roll back to").hasLineCount(1);
  }

  @Test
  void anAcceptanceSliceTheModelMissesIsNotWritten() {
    int exit = run("model", "acceptance", "one", "--min-accuracy", "0.99", "--images", "100");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: one reaches ").contains("nothing written").hasLineCount(1);
    assertThat(Files.exists(dir.resolve("one").resolve("acceptance.json"))).isFalse();
  }

  @Test
  void anAcceptanceSliceTheModelReachesIsWritten() {
    assertThat(run("model", "acceptance", "one", "--min-accuracy", "0", "--images", "100")).isZero();

    assertThat(out.toString()).contains("one: acceptance slice of 100 images written, minimum 0.0000");
    assertThat(Files.exists(dir.resolve("one").resolve("acceptance.json"))).isTrue();
    assertThat(run("model", "activate", "one")).as("the bundle passes its own slice").isZero();
  }

  @Test
  void calibrateWritesTheCalibrationTheBundleThenLoadsWith() {
    assertThat(run("model", "calibrate", "one")).isZero();

    assertThat(out.toString()).contains("one: calibration.json written: temperature ")
        .contains("on 5000 validation images");
    try (ModelBundle bundle = ModelBundle.load(dir.resolve("one"))) {
      assertThat(bundle.calibration()).hasValueSatisfying(calibration -> {
        assertThat(calibration.temperature()).isPositive();
        assertThat(calibration.reference().images()).isEqualTo(5000);
      });
    }
  }

  @Test
  void calibrateRefusesACorruptBundleInOneLine() {
    assertThat(run("model", "calibrate", "corrupt")).isEqualTo(2);

    assertThat(err.toString()).startsWith("error: refused: ").hasLineCount(1);
    assertThat(Files.exists(dir.resolve("corrupt").resolve("calibration.json"))).isFalse();
  }
}
