package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code FASHION_LOG_FORMAT}: text lines for people by default, one JSON object per line for log collectors, and one
 * line of error for anything else, in a child JVM with the application's logging configuration.
 */
class LogFormatTest {

  private record Run(int exit, List<String> stdout, List<String> stderr) {}

  private static Run run(String mainClass, Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
        // the production configuration, not the tests' logback-test.xml that the test classpath also holds
        "-Dlogback.configurationFile=" + LogFormatTest.class.getResource("/logback.xml"),
        "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove(Main.LOG_FORMAT);
    builder.environment().put("FASHION_CLASSIFIER_NO_REEXEC", "1");
    builder.environment().putAll(environment);
    Path stdout = java.nio.file.Files.createTempFile("log-format-", ".out");
    Process process = builder.redirectOutput(stdout.toFile()).start();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> out = java.nio.file.Files.readAllLines(stdout);
    java.nio.file.Files.delete(stdout);
    return new Run(process.exitValue(), out, stderr.lines().toList());
  }

  @Test
  void byDefaultEachLogLineIsTextForPeople() throws Exception {
    Run run = run(LogLines.class.getName(), Map.of());

    assertThat(run.stdout()).as("stdout is the user's: nothing of the logging there").isEmpty();
    assertThat(run.stderr().get(0))
        .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main\\] \\S+ - classifying inventory-images -> classified-items");
  }

  @Test
  void withJsonEachLogEventIsOneJsonObjectPerLine() throws Exception {
    Run run = run(LogLines.class.getName(), Map.of(Main.LOG_FORMAT, "json"));

    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr()).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    JsonNode info = json.readTree(run.stderr().get(0));
    assertThat(info.get("level").asText()).isEqualTo("INFO");
    assertThat(info.get("loggerName").asText()).isEqualTo("io.fashionclassifier.streaming.ClassifierApp");
    assertThat(info.get("formattedMessage").asText()).isEqualTo("classifying inventory-images -> classified-items");
    assertThat(info.get("timestamp").asLong()).isPositive();
    JsonNode warning = json.readTree(run.stderr().get(1));
    assertThat(warning.get("formattedMessage").asText()).isEqualTo("a \"quoted\" warning");
    assertThat(warning.get("throwable").get("message").asText()).isEqualTo("the cause");
  }

  @Test
  void anUnknownFormatIsOneLineOfErrorNotSilence() throws Exception {
    Run run = run(Main.class.getName(), Map.of(Main.LOG_FORMAT, "xml"), "--version");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).containsExactly(
        "FASHION_LOG_FORMAT must be one of text, json, not 'xml': unset it for text logs");
  }
}
