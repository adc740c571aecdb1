package io.fashionclassifier.faults;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.Prediction;
import io.fashionclassifier.streaming.ClassifierApp;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The stream classifier as {@code stream} runs it, with one fault built in: the process halts (as SIGKILL would)
 * right after its N-th model call returns, before the batch's verdicts are forwarded: the one instant a kill from
 * outside cannot aim at. Halting leaves a marker file, and a restart with the marker present runs normally, as a
 * restarted pod would.
 *
 * <p>Takes the options the fault harness gives {@code stream}; {@code FASHION_TEST_HALT_AFTER_MODEL_CALLS} and
 * {@code FASHION_TEST_HALT_MARKER} set the fault.
 */
public final class HaltAfterModelCall {

  static final String CALLS = "FASHION_TEST_HALT_AFTER_MODEL_CALLS";
  static final String MARKER = "FASHION_TEST_HALT_MARKER";
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
    try (ClassifierApp app = ClassifierApp.start(config, () -> halting(bundle.newClassifier(), calls, haltAfter,
        marker))) {
      app.awaitStop();
    }
  }

  private static BatchClassifier halting(BatchClassifier model, AtomicInteger calls, int haltAfter, Path marker) {
    return new BatchClassifier() {
      @Override
      public List<Prediction> classify(List<byte[]> images) {
        List<Prediction> predictions = model.classify(images);
        if (calls.incrementAndGet() == haltAfter) {
          try {
            Files.writeString(marker, "halted after model call " + haltAfter + " (" + images.size() + " images)\n");
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
