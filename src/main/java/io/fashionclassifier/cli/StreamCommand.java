package io.fashionclassifier.cli;

import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.streaming.ClassifierApp;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.StreamingException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code stream}: the stream classifier against any Kafka cluster (see docs/stream-classifier.md). */
@Command(
    name = "stream",
    header = "Classify the images on the inventory topic and publish verdicts.",
    mixinStandardHelpOptions = true,
    description = {
      "Classifies the images on the inventory topic with a model bundle and publishes verdicts, running accuracy "
          + "figures and dead letters, exactly once.",
      "Settings: --config file, then FASHION_* and KAFKA_* environment variables, then the options below (all of "
          + "them in docs/stream-classifier.md).",
      "HTTP: /health, /ready (Kubernetes probes), /metrics (Prometheus).",
      "Stops cleanly on SIGTERM.",
      ""
    })
final class StreamCommand implements Callable<Integer> {

  @Mixin ClusterOptions cluster;

  @Option(names = "--application-id", paramLabel = "ID",
      description = "Kafka Streams application id (application.id, default ${bundle:application.id}).")
  String applicationId;

  @Option(names = {"-m", "--model"}, paramLabel = "DIR",
      description = "Model bundle directory, or a model repository with an 'active' pointer (fashion.model.dir, "
          + "default ${bundle:fashion.model.dir}).")
  Path modelDir;

  @Option(names = "--batch-size", paramLabel = "N",
      description = "Images per inference batch (fashion.batch.size, default ${bundle:fashion.batch.size}).")
  Integer batchSize;

  @Option(names = "--max-wait-ms", paramLabel = "MS",
      description = "Longest wait of a partial batch (fashion.batch.max.wait.ms, default "
          + "${bundle:fashion.batch.max.wait.ms}).")
  Integer maxWaitMs;

  @Option(names = "--threads", paramLabel = "N",
      description = "Kafka Streams threads (num.stream.threads, default ${bundle:num.stream.threads}); every task "
          + "has its own predictor.")
  Integer threads;

  @Option(names = "--http-port", paramLabel = "PORT",
      description = "Port of /health, /ready, /metrics (fashion.http.port, default ${bundle:fashion.http.port}; 0: "
          + "any).")
  Integer httpPort;


  @Override
  public Integer call() throws InterruptedException {
    ClassifierConfig config = cluster.load(overrides());
    ClassifierApp app;
    try {
      // a bundle is served as it is; a model repository is watched (docs/stream-classifier.md, Rollout)
      app = ClassifierApp.start(config);
    } catch (ModelBundleException | StreamingException e) {
      throw new UserError(e.getMessage(), e);
    }
    AtomicBoolean closed = new AtomicBoolean();
    Runnable shutdown = () -> {
      if (closed.compareAndSet(false, true)) {
        app.close();
      }
    };
    // SIGTERM (Kubernetes, docker stop) and Ctrl-C: commit and close within fashion.shutdown.timeout.ms, then
    // return, so that a requested stop exits with 0; the hook covers any other way the JVM may end
    TerminationSignals.onStop(shutdown);
    Thread hook = new Thread(shutdown, "stream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    boolean failed = app.awaitStop();
    if (failed) {
      System.err.println("error: Kafka Streams stopped after a fatal error; see the log above");
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
      shutdown.run();
    } catch (IllegalStateException shuttingDown) {
      // the hook is already closing everything
    }
    return failed ? 1 : 0;
  }

  private Map<String, String> overrides() {
    Map<String, String> overrides = new LinkedHashMap<>();
    put(overrides, StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    put(overrides, ClassifierConfig.MODEL_DIR, modelDir);
    put(overrides, ClassifierConfig.BATCH_SIZE, batchSize);
    put(overrides, ClassifierConfig.BATCH_MAX_WAIT_MS, maxWaitMs);
    put(overrides, StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    put(overrides, ClassifierConfig.HTTP_PORT, httpPort);
    return overrides;
  }

  private static void put(Map<String, String> overrides, String key, Object value) {
    if (value != null) {
      overrides.put(key, value.toString());
    }
  }
}
