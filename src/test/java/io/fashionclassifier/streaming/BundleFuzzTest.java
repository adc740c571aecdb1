package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link BundleFuzz} in a JVM sized far below what the hostile candidates claim (a 160 MiB heap, 64 MiB of
 * direct memory) and set, as the chart sets the pods, to exit on {@code OutOfMemoryError}: a candidate that makes
 * the classifier allocate from a count or length in its files, instead of from what the files hold, ends the
 * run with exit code 3 as it would end every pod.
 */
class BundleFuzzTest {

  @TempDir Path dir;

  @Test
  void everyHostileCandidateIsRefusedInABoundedHeapAndAGoodOneIsTakenUpAfterIt() throws Exception {
    Path output = dir.resolve("fuzz.out");
    Path repository = Files.createDirectories(dir.resolve("models"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process fuzz = new ProcessBuilder(List.of(java, "-Xmx160m", "-XX:MaxDirectMemorySize=64m",
        "-XX:+ExitOnOutOfMemoryError", "-Dai.djl.offline=true",
        "-cp", System.getProperty("java.class.path"), BundleFuzz.class.getName(), repository.toString(), "2", "21"))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    boolean ended = fuzz.waitFor(3, TimeUnit.MINUTES);
    if (!ended) {
      fuzz.destroyForcibly().waitFor();
    }
    String printed = read(output);

    assertThat(ended).as("the fuzzer ended within 3 minutes:\n%s", printed).isTrue();
    assertThat(fuzz.exitValue()).as("the fuzzer's exit code (3: OutOfMemoryError):\n%s", printed).isZero();
    assertThat(printed).doesNotContain("FUZZ FAILED").containsPattern("FUZZ OK 1\\d\\d\\n");
  }

  private static String read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    // the tail is where a failure shows; the log of 100 cases would bury it
    return text.length() > 20_000 ? text.substring(text.length() - 20_000) : text;
  }
}
