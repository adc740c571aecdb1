package io.fashionclassifier.faults;

import static org.awaitility.Awaitility.await;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.streaming.ClassifierApp;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;

/**
 * The stream classifier as {@code stream} runs it, with one fault built in, at an instant a kill from outside
 * cannot aim at: the process halts (as SIGKILL would) right after its N-th model call returns, before the batch's
 * verdicts are forwarded; or, with {@code FASHION_TEST_HALT_IN_FLIGHT=true}, during its N-th model call, once the
 * application has committed the batch's input offsets with the batch still in flight (its records only buffered).
 * Halting leaves a marker file, and a restart with the marker present runs normally, as a restarted pod would.
 *
 * <p>Takes the options the fault harness gives {@code stream}; {@code FASHION_TEST_HALT_AFTER_MODEL_CALLS},
 * {@code FASHION_TEST_HALT_MARKER} and {@code FASHION_TEST_HALT_IN_FLIGHT} set the fault.
 */
public final class HaltAfterModelCall {

  static final String CALLS = "FASHION_TEST_HALT_AFTER_MODEL_CALLS";
  static final String MARKER = "FASHION_TEST_HALT_MARKER";
  static final String IN_FLIGHT = "FASHION_TEST_HALT_IN_FLIGHT";
  /** The exit code of a halt here, told apart from a SIGKILL's 137. */
  static final int HALTED = 99;

  private static final Map<String, String> OPTIONS = Map.of(
      "--bootstrap-servers", "bootstrap.servers",
      "--application-id", "application.id",
      "--schema-registry-url", ClassifierConfig.SCHEMA_REGISTRY_URL,
      "--model", ClassifierConfig.MODEL_DIR,
      "--batch-size", ClassifierConfig.BATCH_SIZE,
      "--max-wait-ms", ClassifierConfig.BATCH_MAX_WAIT_MS,
      "--http-port", ClassifierConfig.HTTP_PORT);

  private HaltAfterModelCall() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> overrides = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (args[i].equals("-D")) {
        String[] pair = args[i + 1].split("=", 2);
        overrides.put(pair[0], pair[1]);
      } else {
        overrides.put(OPTIONS.get(args[i]), args[i + 1]);
      }
    }
    ClassifierConfig config = ClassifierConfig.load(null, System.getenv(), overrides);
    Path marker = Path.of(System.getenv(MARKER));
    int haltAfter = Files.exists(marker) ? Integer.MAX_VALUE : Integer.parseInt(System.getenv(CALLS));
    AtomicInteger calls = new AtomicInteger();
    ModelBundle bundle = ModelBundle.load(config.modelDir());
    Runnable beforeHalt = Boolean.parseBoolean(System.getenv(IN_FLIGHT)) ? awaitCommit(config) : () -> {};
    try (ClassifierApp app = ClassifierApp.start(config, () -> halting(bundle.newClassifier(), calls, haltAfter,
        marker, beforeHalt))) {
      app.awaitStop();
    }
  }

  /**
   * Waits in the model call until a commit of the application's input offsets ends after the call began: the
   * task whose batch this is processed its last record before handing the batch over, so that commit holds the
   * batch's offsets while its records are still only in the buffer.
   */
  private static Runnable awaitCommit(ClassifierConfig config) {
    return () -> {
      Map<String, Object> props = new HashMap<>(config.clientConfig());
      try (Admin admin = Admin.create(props)) {
        long before = committed(admin, config);
        await("a commit with the batch in flight").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
            .until(() -> committed(admin, config) > before);
      } catch (Exception e) {
        throw new IllegalStateException("cannot read the group's committed offsets", e);
      }
    };
  }

  /** The sum of the group's committed offsets on the input topic. */
  private static long committed(Admin admin, ClassifierConfig config) throws Exception {
    return admin.listConsumerGroupOffsets(config.applicationId()).partitionsToOffsetAndMetadata().get().entrySet()
        .stream()
        .filter(entry -> entry.getKey().topic().equals(config.inputTopic()) && entry.getValue() != null)
        .mapToLong(entry -> entry.getValue().offset())
        .sum();
  }

  private static BatchClassifier halting(BatchClassifier model, AtomicInteger calls, int haltAfter, Path marker,
      Runnable beforeHalt) {
    return new BatchClassifier() {
      @Override
      public List<Prediction> classify(List<byte[]> images) {
        boolean halt = calls.incrementAndGet() == haltAfter;
        if (halt) {
          beforeHalt.run();
        }
        List<Prediction> predictions = model.classify(images);
        if (halt) {
          try {
            Files.writeString(marker, "halted in or after model call " + haltAfter + " (" + images.size()
                + " images)\n");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          Runtime.getRuntime().halt(HALTED);
        }
        return predictions;
      }

      @Override
      public String modelVersion() {
        return model.modelVersion();
      }

      @Override
      public void close() {
        model.close();
      }
    };
  }
}
