package io.fashionclassifier.streaming;

import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.AvroSerdeConfig;
import io.fashionclassifier.serde.SchemaRegistryClient;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerde;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running stream classifier: checks the cluster and topics, starts Kafka Streams with the topology, and serves
 * probes and metrics. {@link #close()} (also run on SIGTERM by the caller's shutdown hook) stops it cleanly:
 * Kafka Streams commits the current transaction and the records still waiting in a batch stay in the committed
 * buffer store, to be classified by whichever instance next owns their partition.
 */
public final class ClassifierApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClassifierApp.class);
  private final KafkaStreams streams;
  private final Duration closeTimeout;
  private final boolean leaveGroup;
  private final OutageBackoff outage;
  private final HealthServer http;
  private final KafkaStreamsMetrics streamsMetrics;
  private final PrometheusMeterRegistry registry;
  private final ModelSource models;
  private final InferenceWorkers workers;
  private final ClassifierMetrics metrics;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private ClassifierApp(KafkaStreams streams, Duration closeTimeout, boolean leaveGroup, OutageBackoff outage,
      HealthServer http, KafkaStreamsMetrics streamsMetrics, PrometheusMeterRegistry registry, ModelSource models,
      InferenceWorkers workers, ClassifierMetrics metrics) {
    this.models = models;
    this.workers = workers;
    this.metrics = metrics;
    this.streams = streams;
    this.closeTimeout = closeTimeout;
    this.leaveGroup = leaveGroup;
    this.outage = outage;
    this.http = http;
    this.streamsMetrics = streamsMetrics;
    this.registry = registry;
  }

  /** The Avro serdes over the schema registry configured in {@code config}. */
  public static ClassifierTopology.AvroSerdes avroSerdes(ClassifierConfig config) {
    Map<String, Object> serdeConfig = config.serdeConfig();
    // Read into InventoryImage whatever the writer schema: one of another type is then a resolution error (a dead
    // letter), not an object of another class.
    SpecificAvroDeserializer<InventoryImage> images = new SpecificAvroDeserializer<>(InventoryImage.class);
    images.configure(serdeConfig, false);
    SpecificAvroSerde<ClassifiedItem> items = new SpecificAvroSerde<>(ClassifiedItem.class);
    items.configure(serdeConfig, false);
    SpecificAvroSerde<AccuracyAggregate> aggregates = new SpecificAvroSerde<>(AccuracyAggregate.class);
    aggregates.configure(serdeConfig, false);
    SpecificAvroSerde<ModelHealth> health = new SpecificAvroSerde<>(ModelHealth.class);
    health.configure(serdeConfig, false);
    return new ClassifierTopology.AvroSerdes(images, items, aggregates, health);
  }

  /** One new classifier per call, predicting as {@code config} asks (flip test-time augmentation or not). */
  public static Supplier<BatchClassifier> classifiers(ModelBundle bundle, ClassifierConfig config) {
    return config.flipTta()
        .<Supplier<BatchClassifier>>map(flip -> () -> bundle.newClassifier(flip))
        .orElse(bundle::newClassifier);
  }

  /**
   * Starts the classifier and returns once Kafka Streams is starting (not yet RUNNING: see {@code /ready}).
   *
   * @param classifiers called once per stream task; each result is used by one thread only and closed by it
   * @throws StreamingException when the brokers do not answer, a topic is missing, or the HTTP port is taken
   */
  public static ClassifierApp start(ClassifierConfig config, Supplier<BatchClassifier> classifiers) {
    return start(config, registry -> ModelSource.fixed(classifiers));
  }

  /**
   * Starts the classifier on the models in {@code fashion.model.dir}: a bundle is served as it is, for the app's
   * whole life; a model repository (a directory of bundles with an {@code active} pointer, see
   * {@link ModelRepository}) is watched, and the versions its pointers name go live without a restart.
   *
   * @throws ModelBundleException when there is no valid bundle to serve
   * @throws StreamingException when the brokers do not answer, a topic is missing, or the HTTP port is taken
   */
  public static ClassifierApp start(ClassifierConfig config) {
    return start(config, registry -> openModels(config, registry));
  }

  static ModelSource openModels(ClassifierConfig config, MeterRegistry registry) {
    Path directory = config.modelDir();
    if (ModelRepository.isRepository(directory) && !ModelRepository.isBundle(directory)) {
      return ModelWatcher.start(ModelRepository.at(directory), config.flipTta(), config.modelPollInterval(),
          registry);
    }
    if (Files.isDirectory(directory) && !ModelRepository.isBundle(directory)) {
      throw new ModelBundleException(directory + " is neither a model bundle (no " + ModelBundle.MANIFEST_FILE
          + ") nor a model repository (no '" + ModelRepository.ACTIVE + "' pointer): point "
          + ClassifierConfig.MODEL_DIR + " at a bundle, or name the active bundle with 'model activate NAME --models "
          + directory + "'");
    }
    ModelBundle bundle = ModelBundle.load(directory);
    return ModelSource.of(new ServedModel(bundle.version(), classifiers(bundle, config), bundle,
        bundle.calibration().orElse(null)));
  }

  private static ClassifierApp start(ClassifierConfig config, Function<MeterRegistry, ModelSource> modelSource) {
    Properties props = config.streamsProperties();
    // the model first: a bad bundle is the likelier mistake, and it is found without a cluster
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ModelSource models;
    try {
      models = modelSource.apply(registry);
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
    ClassifierTopology.AvroSerdes serdes = avroSerdes(config);
    try (Admin admin = Admin.create(adminProperties(config))) {
      Topics.ensure(admin, config, config.aggregatesRetention());
      OutputSubjectCheck.verify(serdes, config.classifiedTopic(), config.aggregatesTopic());
      if (config.healthEnabled()) {
        OutputSubjectCheck.verifyHealth(serdes, config.healthTopic());
      }
    } catch (RuntimeException e) {
      models.close();
      registry.close();
      throw e;
    }
    warnAboutInputCompatibility(config);
    ClassifierMetrics metrics = new ClassifierMetrics(registry);
    props.put(DeadLetters.METRICS_CONFIG, metrics);

    StreamsBuilder builder = new StreamsBuilder();
    StreamProgress progress = new StreamProgress(config.livenessStall());
    OutageBackoff outage = new OutageBackoff(config.outageBackoffMax(), metrics::progress);
    InferenceWorkers workers = InferenceWorkers.threads(config.inferenceThreads());
    ClassifierTopology.build(builder, config.topologySettings(), serdes, models, metrics, progress, workers,
        config.qualitySettings(), QualityTopology.AvroSerdes.of(config.serdeConfig()));
    Topology topology = builder.build(props);
    log.debug("topology:\n{}", topology.describe());

    KafkaStreams streams = new KafkaStreams(topology, props, new CommitTimingClients(metrics.commits()));
    KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    HealthServer http;
    try {
      http = HealthServer.start(
          new HealthServer.Options(config.httpBindAddress(), config.httpPort(), config.httpRequestTimeout()),
          () -> readiness(streams.state(), outage), models::divergence, progress, registry);
    } catch (RuntimeException e) {
      streams.close();
      workers.close();
      models.close();
      throw new StreamingException(e.getMessage(), e);
    }
    ClassifierApp app = new ClassifierApp(streams, config.shutdownTimeout(), config.leaveGroupOnShutdown(), outage,
        http, streamsMetrics, registry, models, workers, metrics);
    HealthGauges.bind(registry, () -> readiness(streams.state(), outage) == KafkaStreams.State.RUNNING,
        outage::active, () -> progress.stall().isPresent());
    streams.setStateListener((now, before) -> {
      log.info("Kafka Streams {} -> {}", before, now);
      if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
        app.stopped.countDown();
      }
    });
    streams.setUncaughtExceptionHandler(exception -> uncaught(exception, outage));
    RestoreLog restores = new RestoreLog();
    streams.setGlobalStateRestoreListener(restores);
    streams.setStandbyUpdateListener(restores);
    streams.start();
    log.info("classifying {} -> {} (batch {} / {} ms), probes and metrics on http://0.0.0.0:{}/",
        config.inputTopic(), config.classifiedTopic(), config.batchSize(), config.maxBatchWait().toMillis(),
        http.port());
    return app;
  }

  /**
   * A registry outage, or a batch that could not be classified and forwarded whole, replaces the stream thread: its
   * transaction is aborted and the new thread resumes from the last commit after a backoff, so the process keeps
   * running, is not ready meanwhile, and nothing is dead-lettered. Any other failure that escapes the handlers (a
   * bug) stops this instance: Kubernetes restarts it and exactly-once makes the restart safe.
   */
  static StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse uncaught(
      Throwable exception, OutageBackoff outage) {
    if (DeadLetters.isOutage(exception)) {
      Duration pause = outage.failed();
      log.warn("schema registry unavailable ({}); retrying from the last commit in {} ms",
          OutputSubjectCheck.describe(exception), pause.toMillis());
      outage.pause(pause);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    }
    if ((causedBy(exception, InvalidTxnStateException.class) || causedBy(exception, InvalidProducerEpochException.class)
        || causedBy(exception, TransactionAbortableException.class))
        && outage.mayReplaceAfterTransactionError(System.currentTimeMillis())) {
      // the brokers lost this producer's transaction (a broker died mid-commit): a new thread with a new producer
      // resumes from the last commit, which is exactly-once safe
      log.warn("the brokers lost a transaction ({}); retrying from the last commit", rootMessage(exception));
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    }
    if (causedBy(exception, FlushAbortedException.class)) {
      // with the outage backoff: a batch that fails every time must not spin, and readiness is off meanwhile
      Duration pause = outage.failed();
      log.warn("a batch was aborted; retrying it from the last commit in {} ms", pause.toMillis(), exception);
      outage.pause(pause);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    }
    log.error("stream thread failed; shutting down this instance", exception);
    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }

  private static boolean causedBy(Throwable exception, Class<? extends Throwable> type) {
    for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable exception) {
    Throwable root = exception;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.toString();
  }

  /**
   * Looks up the input subject's compatibility level in the background: a start must not wait on the registry, and
   * the answer only makes a warning.
   */
  private static void warnAboutInputCompatibility(ClassifierConfig config) {
    if (config.setting(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY) != null) {
      return; // the subject is not <topic>-value
    }
    String subject = config.inputTopic() + "-value";
    Thread check = new Thread(() -> {
      try (SchemaRegistryClient registry =
          SchemaRegistryClient.create(new AvroSerdeConfig(config.serdeConfig()))) {
        InputSubjectCheck.warning(registry, subject).ifPresent(log::warn);
      } catch (RuntimeException e) {
        log.info("could not read the compatibility level of schema subject '{}': {}", subject, e.getMessage());
      }
    }, "input-subject-check");
    check.setDaemon(true);
    check.start();
  }

  /** Ready to classify: Kafka Streams RUNNING and no registry outage going on. */
  private static KafkaStreams.State readiness(KafkaStreams.State state, OutageBackoff outage) {
    // an outage reads as REBALANCING: the thread is being replaced and its tasks start again from the last commit
    return state == KafkaStreams.State.RUNNING && outage.active() ? KafkaStreams.State.REBALANCING : state;
  }

  /** Whether a registry outage is going on (the classifier then retries in place and is not ready). */
  public boolean inOutage() {
    return outage.active();
  }

  private static Properties adminProperties(ClassifierConfig config) {
    Properties props = new Properties();
    props.putAll(config.clientConfig());
    long timeout = config.startupTimeout().toMillis();
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(timeout, 10_000)));
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout));
    return props;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  public int httpPort() {
    return http.port();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Tells {@code listener} of each batch a commit makes visible (for {@code bench}, which times its readers). */
  public void onCommit(CommitLatency.Listener listener) {
    metrics.commits().listen(listener);
  }

  /** The model versions in service now. */
  public ModelVersions models() {
    return models.versions();
  }

  /** Blocks until Kafka Streams stops (closed, or failed); returns whether it failed. */
  public boolean awaitStop() throws InterruptedException {
    stopped.await();
    return streams.state() == KafkaStreams.State.ERROR;
  }

  /**
   * Commits and closes Kafka Streams within the shutdown bound. Kafka Streams' own default is to stay in the group,
   * so that the others wait {@code session.timeout.ms} (45 s) before they take over its partitions; leaving (see
   * {@link ClassifierConfig#SHUTDOWN_LEAVE_GROUP}) hands them over at once.
   */
  @Override
  public void close() {
    log.info("stopping: committing and closing Kafka Streams (at most {} s), {} the group", closeTimeout.toSeconds(),
        leaveGroup ? "leaving" : "staying in");
    outage.close();
    // leave part of the bound for the HTTP server and the metrics
    CloseOptions options = CloseOptions.timeout(closeTimeout.minusMillis(Math.min(500, closeTimeout.toMillis() / 10)))
        .withGroupMembershipOperation(leaveGroup ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
            : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP);
    if (!streams.close(options)) {
      log.warn("Kafka Streams did not stop within {} s; the uncommitted work is redone by the next owner",
          closeTimeout.toSeconds());
    }
    // after Kafka Streams: the tasks have given their classifiers back, so the models can be closed
    workers.close();
    models.close();
    streamsMetrics.close();
    http.close();
    registry.close();
    stopped.countDown();
  }
}
