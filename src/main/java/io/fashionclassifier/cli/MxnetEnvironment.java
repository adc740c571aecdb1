package io.fashionclassifier.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Process-level settings that MXNet and glibc read once at start-up. Measured on 2 cores: OpenMP on all
 * cores doubles CPU use, and keeping glibc from unmapping every tensor of more than 3 MB after each batch
 * makes batched inference 1.3-4x faster (README: Performance settings; docs/training.md).
 */
final class MxnetEnvironment {

  private MxnetEnvironment() {}

  static Map<String, String> recommended() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("OMP_NUM_THREADS", Integer.toString(Runtime.getRuntime().availableProcessors()));
    settings.put("MALLOC_MMAP_THRESHOLD_", "33554432");
    settings.put("MALLOC_TRIM_THRESHOLD_", "4294967295");
    settings.put("MALLOC_TOP_PAD_", "268435456");
    return settings;
  }

  /**
   * The serving command also runs MXNet's naive engine: predictors then run on the calling thread only, which is
   * what DJL requires for MXNet inference from several threads (stream threads, and the model watcher that
   * checks a new version while the old one serves); it is also the faster engine for inference on 2 cores
   * (docs/benchmarks.md). {@code bench} runs the same engine, so that it measures what {@code stream} serves with.
   * Training, and {@code demo}, which trains first, keep the threaded engine.
   */
  static Map<String, String> recommended(String command) {
    Map<String, String> settings = recommended();
    if ("stream".equals(command) || "bench".equals(command)) {
      settings.put("MXNET_ENGINE_TYPE", "NaiveEngine");
    }
    return settings;
  }

  /** The recommended settings that the given environment does not set; values already set are respected. */
  static Map<String, String> missingSettings(Map<String, String> environment) {
    return missingSettings(environment, null);
  }

  /** The same for one command (the first argument), which may need more. */
  static Map<String, String> missingSettings(Map<String, String> environment, String command) {
    Map<String, String> missing = new LinkedHashMap<>();
    recommended(command).forEach((name, value) -> {
      if (!environment.containsKey(name)) {
        missing.put(name, value);
      }
    });
    return missing;
  }
}
