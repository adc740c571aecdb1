package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.streaming.SmallModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `bench --smoke` on a real broker with a small real model: every step runs and reports, in seconds. Not a timing
 * assertion: the figures of a smoke run mean nothing, only that each was measured.
 */
class BenchCommandTest {

  @TempDir static Path out;

  private static int exit;
  private static String stdout;
  private static String stderr;
  private static JsonNode result;

  @BeforeAll
  static void runTheSmokeBench() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      var cli = Main.commandLine();
      cli.setErr(new PrintWriter(err, true));
      exit = cli.execute("bench", "--smoke", "--model", SmallModel.bundle().toString(),
          "-b", KafkaBroker.shared().bootstrapServers(), "--out", out.toString(), "-D", "commit.interval.ms=100");
    } finally {
      System.setOut(original);
    }
    stdout = printed.toString(StandardCharsets.UTF_8);
    stderr = err.toString();
    original.print(stdout);
    if (exit != 0) {
      throw new AssertionError("bench --smoke failed (exit " + exit + "): " + stderr);
    }
    result = new ObjectMapper().readTree(out.resolve("bench-result.json").toFile());
  }

  @Test
  void theLogGoesToTheReportAndTheTerminalKeepsTheFigures() throws Exception {
    String log = Files.readString(out.resolve(BenchCommand.LOG_FILE));
    assertThat(log).contains("Kafka Streams REBALANCING -> RUNNING");
    // the test's own set-up (broker, model) logs before the command runs; the run's own lines are the stream's
    assertThat(stdout).doesNotContain("Kafka Streams REBALANCING").doesNotContain("-StreamThread-")
        .contains("log:    " + out.resolve(BenchCommand.LOG_FILE).toAbsolutePath());
  }

  @Test
  void everyStepMeasuredSomething() {
    assertThat(exit).as(stderr).isZero();
    List<Integer> sizes = new ArrayList<>();
    result.get("inference").forEach(point -> {
      sizes.add(point.get("batchSize").asInt());
      assertThat(point.get("imagesPerSecond").asDouble()).isPositive();
    });
    assertThat(sizes).containsExactly(1, 2, 4, 8, 16, 32, 64, 128, 256);
    assertThat(result.at("/passThrough/complete").asBoolean()).isTrue();
    assertThat(result.at("/passThrough/recordsPerSecond").asDouble()).isPositive();
    List<String> runs = new ArrayList<>();
    result.get("endToEnd").forEach(run -> {
      runs.add(run.get("name").asText());
      assertThat(run.get("complete").asBoolean()).as(run.get("name").asText()).isTrue();
      assertThat(run.get("classified").asLong()).isEqualTo(run.get("sent").asLong()).isEqualTo(100);
      assertThat(run.get("itemsPerSecond").asDouble()).isPositive();
    });
    assertThat(runs).containsExactly("batch-1-eos", "batch-1-alos", "batch-64-eos", "batch-64-alos");
    JsonNode latency = result.get("latency").get(0);
    assertThat(latency.get("ratePerSecond").asDouble())
        .isCloseTo(result.get("maxItemsPerSecond").asDouble() / 2, org.assertj.core.data.Offset.offset(1.0));
    assertThat(latency.get("latencyItems").asLong()).isPositive();
    assertThat(latency.get("latencyCdf")).isNotEmpty();
    // the part before the model is part of the whole
    assertThat(latency.get("batchedP50Millis").asLong()).isPositive()
        .isLessThanOrEqualTo(latency.get("latencyP50Millis").asLong());
    assertThat(stdout).containsPattern("warm-up, default settings, not counted: [\\d,]+ items/s")
        .containsPattern("batch to the model at p50 [\\d,]+ ms, p99 [\\d,]+ ms");
    assertThat(result.at("/soak/records").asLong()).isEqualTo(2_000);
    assertThat(result.at("/soak/samples")).hasSizeGreaterThan(10);
  }

  @Test
  void theLatencyRunSaysWhereItsLatencyWentStageByStage() {
    List<String> names = new ArrayList<>();
    result.get("latency").get(0).get("stages").forEach(stage -> {
      names.add(stage.get("name").asText());
      assertThat(stage.get("count").asLong()).as(stage.get("name").asText()).isPositive();
      assertThat(stage.get("p99Millis").asDouble()).isGreaterThanOrEqualTo(stage.get("p50Millis").asDouble());
    });
    assertThat(names).containsExactly("consumer", "batching", "queue to the model", "model", "commit", "reader");
    assertThat(stdout).containsPattern("stages, p50 / p99 ms: consumer [\\d.,]+ / [\\d.,]+, batching");
  }

  @Test
  void theBurstyLoadSaysHowLongEachBacklogTookToDrainAndTheLatencyAroundIt() {
    JsonNode burst = result.get("burst");
    assertThat(burst.get("bursts").asInt()).isEqualTo(1);
    assertThat(burst.get("highRatePerSecond").asDouble()).isGreaterThan(burst.get("lowRatePerSecond").asDouble());
    assertThat(burst.at("/run/complete").asBoolean()).isTrue();
    assertThat(burst.at("/run/classified").asLong()).isEqualTo(burst.at("/run/sent").asLong());
    // every record came out, so every burst's backlog drained, within the run
    assertThat(burst.get("drainSeconds")).hasSize(1);
    assertThat(burst.get("drainSeconds").get(0).isNumber()).as(burst.toString()).isTrue();
    assertThat(burst.get("drainSeconds").get(0).asDouble()).isNotNegative()
        .isLessThanOrEqualTo(burst.at("/run/seconds").asDouble());
    for (String phase : List.of("before", "during", "after")) {
      assertThat(burst.get(phase + "Items").asLong()).as(phase).isPositive();
      assertThat(burst.get(phase + "P99Millis").asLong()).as(phase)
          .isGreaterThanOrEqualTo(burst.get(phase + "P50Millis").asLong()).isPositive();
    }
    assertThat(burst.get("beforeItems").asLong() + burst.get("duringItems").asLong()
        + burst.get("afterItems").asLong()).isEqualTo(burst.at("/run/sent").asLong());
    assertThat(stdout).containsPattern("backlog drained in [\\d.]+ s after each burst")
        .containsPattern("p50 / p99: before the bursts [\\d,]+ / [\\d,]+ ms, during");
  }

  @Test
  void thePerRecordConsumerLoopIsMeasuredBesideThePipelineAndTheRatioIsReported() {
    JsonNode loop = result.get("perRecord");
    assertThat(loop.get("complete").asBoolean()).isTrue();
    assertThat(loop.get("classified").asLong()).isEqualTo(loop.get("sent").asLong()).isEqualTo(100);
    assertThat(loop.get("itemsPerSecond").asDouble()).isPositive();
    assertThat(loop.get("modelSeconds").asDouble()).isPositive();
    assertThat(loop.get("latencyComplete").asBoolean()).isTrue();
    assertThat(loop.get("latencyRatePerSecond").asDouble())
        .isCloseTo(loop.get("itemsPerSecond").asDouble() / 2, org.assertj.core.data.Offset.offset(1.0));
    assertThat(loop.get("latencyItems").asLong()).isPositive();
    assertThat(loop.get("latencyP99Millis").asLong()).isGreaterThanOrEqualTo(loop.get("latencyP50Millis").asLong())
        .isPositive();

    double batched = result.get("endToEnd").get(2).get("itemsPerSecond").asDouble();
    JsonNode ratio = result.get("checks").get(1);
    assertThat(ratio.get("figure").asText()).contains("per-record consumer loop");
    assertThat(ratio.get("measured").asText()).startsWith(String.format(java.util.Locale.ROOT, "%.2fx",
        batched / loop.get("itemsPerSecond").asDouble()));
    assertThat(stdout).contains("- per-record baseline: ")
        .containsPattern("(?m)^ +[\\d,]+ items/s \\([\\d.]+ of [\\d.]+ s in the model\\); at half that \\([\\d,]+/s\\): "
            + "p50 [\\d,]+ ms");
  }

  @Test
  void theSettingGivenWithDIsUsedByEveryClassifierRun() {
    // a run's own settings are recorded; the -D ones apply to all, so the runs completing under it is the check
    assertThat(result.get("endToEnd").get(0).at("/settings/fashion.batch.size").asText()).isEqualTo("1");
    assertThat(result.get("endToEnd").get(0).at("/settings/processing.guarantee").asText())
        .isEqualTo("exactly_once_v2");
    assertThat(result.get("endToEnd").get(1).at("/settings/processing.guarantee").asText())
        .isEqualTo("at_least_once");
  }

  @Test
  void printsEveryTargetWithItsVerdict() {
    assertThat(stdout).contains("SMOKE RUN")
        .containsPattern("end to end, exactly-once, batch 64 / model alone at batch 64 +\\d+\\.\\d\\dx .*(PASS|FAIL)")
        .containsPattern("end to end, exactly-once, batch 64 / per-record consumer loop \\(at-least-once\\) "
            + "+\\d+\\.\\d\\dx .*(PASS|FAIL)")
        .containsPattern("end to end, batch 64 / batch 1 +\\d+\\.\\d\\dx .*context")
        .containsPattern("latency p99, .* +\\d+ ms at .*(PASS|FAIL)")
        .containsPattern("RSS growth from 400 to 2,000 images .*(PASS|FAIL)")
        .containsPattern("live NDArrays, same span +[+-]\\d+ .*(PASS|FAIL)")
        .containsPattern("model busy at saturation, exactly-once batch 64: .* +\\d+% \\(\\d+\\.\\d of \\d+\\.\\d s\\) "
            + ".*(PASS|FAIL)");
    assertThat(result.get("checks")).hasSize(11);
  }

  @Test
  void writesThePlotsAsPngImages() throws Exception {
    for (String plot : List.of("throughput-vs-batch-size.png", "latency-cdf.png", "memory-soak.png")) {
      BufferedImage image = ImageIO.read(out.resolve(plot).toFile());
      assertThat(image).as(plot).isNotNull();
      assertThat(image.getWidth()).isGreaterThan(500);
    }
  }
}
