package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.scanner.ScanImage;
import io.fashionclassifier.scanner.ScannerFault;
import io.fashionclassifier.scanner.ScannerSimulator;
import io.fashionclassifier.scanner.SimulatedAuditors;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.schema.ReviewReason;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.HealthTopology;
import io.fashionclassifier.streaming.SmallModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.ToIntBiFunction;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quality loop end to end (issue 22), once for the whole class: the real {@code stream} command in a child JVM,
 * with audits, the review queue and the model health on, against the real broker and the real Apicurio registry;
 * the scanner simulator sends Fashion-MNIST test images from four scanners in two warehouses (every scan labelled,
 * so the measured accuracy is known), and simulated auditors answer half the review requests two seconds after
 * their verdict. The model is a real trained and calibrated bundle ({@link SmallModel#wholeSplit}).
 *
 * <ol>
 *   <li>Clean traffic for more than twenty health windows.
 *   <li>Then {@value #BROKEN} goes {@code dark} (its lamp at a third of its brightness): the fault that moves the
 *       class mix, the confidence and the estimated accuracy together, so every window of it is over a threshold.
 *       Inverted images move only the class mix (docs/model-health.md), and a footwear-only mix is meant to
 *       alarm on the class mix of any scanner that has one.
 *   <li>Once its alarm is out, the classifier is killed with SIGKILL inside an open transaction and restarted,
 *       and the run goes on until the broken scanner's windows after the restart have closed.
 * </ol>
 *
 * Health windows are 2 s long so that the run takes minutes; every other health setting (the minimum items, the
 * windows in a row that raise an alarm, the thresholds, the 30 s grace) is the default. Each test checks one
 * outcome of that run.
 */
class QualityLoopTest {

  private static final Logger log = LoggerFactory.getLogger(QualityLoopTest.class);

  private static final int SCANNERS = 4;
  private static final int WAREHOUSES = 2;
  private static final String BROKEN = "scanner-04";
  private static final ScannerFault FAULT = ScannerFault.DARK;
  /** Records per second: about 150 verdicts per scanner and window, well above the minimum a window is judged on. */
  private static final int RATE = 300;
  private static final long WINDOW_MS = 2_000;
  /** Windows of clean traffic: twenty judged ones whatever the partial first and last windows hold. */
  private static final int CLEAN_WINDOWS = 23;
  private static final int CLEAN_WINDOWS_JUDGED = 20;
  private static final double AUDITOR_SHARE = 0.5;
  private static final Duration AUDIT_DELAY = Duration.ofSeconds(2);
  private static final long CLEAN_SEED = 1;
  private static final long BROKEN_SEED = 2;

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String HEALTH_TOPIC = "quality-" + RUN + "-health";
  private static final String AUDITS_TOPIC = "quality-" + RUN + "-audits";
  private static final String AUDITED_TOPIC = "quality-" + RUN + "-audited";
  private static final String REVIEW_TOPIC = "quality-" + RUN + "-review";
  private static final Map<String, String> QUALITY = Map.of(
      ClassifierConfig.AGGREGATES_WINDOW_MS, Long.toString(WINDOW_MS),
      ClassifierConfig.TOPIC_HEALTH, HEALTH_TOPIC,
      ClassifierConfig.AUDITS_ENABLED, "true",
      ClassifierConfig.TOPIC_AUDITS, AUDITS_TOPIC,
      ClassifierConfig.TOPIC_AUDITED, AUDITED_TOPIC,
      ClassifierConfig.REVIEW_ENABLED, "true",
      ClassifierConfig.TOPIC_REVIEW, REVIEW_TOPIC,
      // a tenth drawn by the sample, so that the sampled figures count hundreds of audits, not a handful
      ClassifierConfig.REVIEW_SAMPLE_RATE, "0.1");
  /** The settings the instances run with, to read the defaults of the others from. */
  private static final ClassifierConfig CONFIG = ClassifierConfig.of(QUALITY);
  private static final HealthTopology.Settings HEALTH = CONFIG.healthSettings();

  private static final ExecutorService threads = Executors.newFixedThreadPool(2);
  private static final AtomicBoolean scannersStop = new AtomicBoolean();
  private static final AtomicBoolean auditorsStop = new AtomicBoolean();
  private static FaultRun run;
  private static long faultStartMs;
  private static long killedAtMs;
  private static long runningAgainAtMs;
  private static Verdict verdict;
  private static List<CommittedRecords.Read<ModelHealth>> health;
  private static Map<String, ClassifiedItem> verdicts;
  private static Map<String, ReviewRequest> requests;
  private static List<ItemAudit> audits;
  private static List<AuditedItem> audited;
  private static Map<String, AccuracyAggregate> figures;

  @BeforeAll
  static void runTheLoop() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String bootstrap = broker.bootstrapServers();
    FaultRun.Settings settings = FaultRun.Settings.of("quality", bootstrap, ApicurioRegistry.shared().confluentUrl(),
        SmallModel.wholeSplit(), SmallModel.data().test()).withLongTransactions("2000");
    for (Map.Entry<String, String> setting : QUALITY.entrySet()) {
      settings = settings.withProperty(setting.getKey(), setting.getValue());
    }
    run = new FaultRun(settings);
    ClassifierInstance instance = run.startInstances(1).get(0);
    Map<String, Object> serde = run.serdeConfig();
    List<ScanImage> images = scanImages(SmallModel.data().test());
    try (KafkaProducer<String, byte[]> producer =
            ScannerSimulator.producer(Map.of("bootstrap.servers", bootstrap), "quality-scanners");
        SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
        CommittedRecords<ModelHealth> healthTail =
            new CommittedRecords<>(bootstrap, serde, HEALTH_TOPIC, ModelHealth.class)) {
      serializer.configure(serde, false);
      ScannerSimulator clean = new ScannerSimulator(producer, serializer,
          options(CLEAN_SEED, RATE * WINDOW_MS / 1_000 * CLEAN_WINDOWS), null);
      ScannerSimulator broken = new ScannerSimulator(producer, serializer, options(BROKEN_SEED, Long.MAX_VALUE),
          new ScannerSimulator.Faulty(BROKEN, FAULT));
      Future<SimulatedAuditors.Summary> auditing = threads.submit(() -> audit(bootstrap, serde,
          (item, scanner) -> trueLabel(images, clean, broken, item, scanner), auditorsStop::get));

      run.event("clean traffic, " + RATE + " records/s from " + SCANNERS + " scanners");
      ScannerSimulator.Summary cleanSent = clean.run(images, () -> false, sent -> { });
      faultStartMs = System.currentTimeMillis();
      run.fault(BROKEN + " goes " + FAULT + " (" + cleanSent + ")");
      Future<ScannerSimulator.Summary> breaking =
          threads.submit(() -> broken.run(images, scannersStop::get, sent -> { }));

      Duration closing = CONFIG.window().multipliedBy(HEALTH.alarmWindows() + 2).plus(CONFIG.windowGrace())
          .plusSeconds(60);
      awaitQuietly("an ALARM of " + BROKEN, closing,
          () -> healthTail.poll().stream().anyMatch(read -> isAlarm(read.value(), "SCANNER", BROKEN)));
      // the alarm is read just after a commit: the kill waits for verdicts of the next transaction on the broker
      try (OpenTransactions open = new OpenTransactions(bootstrap, run.topics().classified())) {
        awaitQuietly("verdicts in an open transaction", Duration.ofSeconds(30), open::any);
        killedAtMs = System.currentTimeMillis();
        run.kill(instance);
      }
      run.restart(instance);
      run.awaitRunning(instance);
      runningAgainAtMs = System.currentTimeMillis();
      run.event(instance + " RUNNING again");
      // the broken scanner's alarm state must come back with the health task's stores, not be raised again
      awaitQuietly(HEALTH.alarmWindows() + 1 + " judged windows of " + BROKEN + " after the restart", closing,
          () -> healthTail.poll().stream().map(CommittedRecords.Read::value)
              .filter(h -> isJudgedWindow(h, "SCANNER", BROKEN) && h.getWindowStart().toEpochMilli() > runningAgainAtMs)
              .count() > HEALTH.alarmWindows());

      scannersStop.set(true);
      run.event("scanners stopped: " + breaking.get());
      // the auditors answer what they have read, then stop: everything they sent must be counted, once
      auditorsStop.set(true);
      run.event(auditing.get().toString());
      Map<String, ScannerLoad.Sent> sent = sent(bootstrap, serde);
      verdict = new ExactlyOnceVerifier(bootstrap, serde, run.topics(), run.applicationId(), settings.partitions())
          .verify(sent, Duration.ofMinutes(2), Duration.ofSeconds(3));
      run.event("verified");
      verdicts = firstByItem(readAll(bootstrap, serde, run.topics().classified(), ClassifiedItem.class));
      requests = firstByItem(readAll(bootstrap, serde, REVIEW_TOPIC, ReviewRequest.class));
      audits = readAll(bootstrap, serde, AUDITS_TOPIC, ItemAudit.class).stream()
          .map(CommittedRecords.Read::value).toList();
      figures = awaitAuditFigures(bootstrap, serde, expectedAuditFigures());
      audited = readAll(bootstrap, serde, AUDITED_TOPIC, AuditedItem.class).stream()
          .map(CommittedRecords.Read::value).toList();
      health = healthTail.toEnd(Duration.ofMinutes(1));
      log.info("{}", run.report(verdict));
      logFigures();
    }
  }

  @AfterAll
  static void stop() {
    scannersStop.set(true);
    auditorsStop.set(true);
    threads.shutdownNow();
    if (run != null) {
      run.close();
    }
  }

  @Test
  void theBrokenScannerAlarmsWithinAlarmWindowsPlusOneWindowsOfItsFault() {
    long firstBroken = firstBrokenVerdictMs();
    List<ModelHealth> alarms = healthOf(h -> isAlarm(h, "SCANNER", BROKEN));
    assertThat(alarms).as("ALARM records of " + BROKEN).isNotEmpty();
    ModelHealth first = alarms.get(0);
    long bound = windowStart(firstBroken) + (HEALTH.alarmWindows() + 1) * WINDOW_MS;
    log.info("first ALARM of {}: {} ({}), deciding window ending {} ms after the first broken verdict, at most {}",
        BROKEN, first.getSignal(), alarms.stream().map(ModelHealth::getSignal).toList(),
        first.getWindowEnd().toEpochMilli() - firstBroken, bound - firstBroken);
    assertThat(first.getWindowStart().toEpochMilli()).as("decided by a window of the broken images")
        .isGreaterThanOrEqualTo(windowStart(firstBroken));
    assertThat(first.getWindowEnd().toEpochMilli()).as("deciding window within alarm.windows + 1 windows")
        .isLessThanOrEqualTo(bound);
  }

  @Test
  void theBrokenScannersAlarmArrivesOnceItsWindowHasClosed() {
    CommittedRecords.Read<ModelHealth> first = health.stream()
        .filter(read -> isAlarm(read.value(), "SCANNER", BROKEN)).findFirst().orElseThrow();
    long end = first.value().getWindowEnd().toEpochMilli();
    long grace = CONFIG.windowGrace().toMillis();
    log.info("the ALARM of {} was read {} ms after its deciding window ended (grace {} ms), {} ms after the fault "
        + "started", BROKEN, first.readAtMs() - end, grace, first.readAtMs() - faultStartMs);
    // sent when the classifier's clock passes the window's end by the grace; then a commit interval and a poll
    assertThat(first.readAtMs() - end).isBetween(grace, grace + 15_000);
  }

  @Test
  void noOtherScannerAndNoWarehouseWithoutTheBrokenScannerAlarms() {
    String brokenWarehouse = verdicts.values().stream().filter(item -> item.getScannerId().equals(BROKEN))
        .findAny().orElseThrow().getWarehouseId();
    for (int scanner = 0; scanner < SCANNERS; scanner++) {
      String id = ScannerSimulator.scannerId(scanner);
      if (!id.equals(BROKEN)) {
        assertThat(healthOf(h -> isJudgedWindow(h, "SCANNER", id)
            && h.getWindowStart().toEpochMilli() > runningAgainAtMs))
            .as("judged windows of %s after the restart", id).isNotEmpty();
      }
    }
    assertThat(healthOf(h -> isJudgedWindow(h, "WAREHOUSE", h.getKey()) && !h.getKey().equals(brokenWarehouse)))
        .as("judged windows of the warehouses without %s", BROKEN).isNotEmpty();
    assertThat(healthOf(h -> h.getKind() == HealthKind.ALARM
        && (h.getScope().equals("SCANNER") && !h.getKey().equals(BROKEN)
            || h.getScope().equals("WAREHOUSE") && !h.getKey().equals(brokenWarehouse))))
        .as("ALARMs of the healthy scanners and of the warehouses without %s, before, during and after the kill",
            BROKEN)
        .isEmpty();
  }

  @Test
  void cleanTrafficForTwentyJudgedWindowsRaisesNoAlarm() {
    for (int scanner = 0; scanner < SCANNERS; scanner++) {
      String id = ScannerSimulator.scannerId(scanner);
      assertThat(healthOf(h -> isJudgedWindow(h, "SCANNER", id) && h.getWindowEnd().toEpochMilli() <= faultStartMs))
          .as("judged windows of %s before the fault", id).hasSizeGreaterThanOrEqualTo(CLEAN_WINDOWS_JUDGED);
    }
    assertThat(healthOf(h -> h.getKind() != HealthKind.WINDOW && h.getWindowEnd().toEpochMilli() <= faultStartMs))
        .as("ALARM or CLEAR records decided by a window of clean traffic, of any scope").isEmpty();
  }

  @Test
  void theBrokenScannersAlarmIsNotRaisedAgainAfterTheKill() {
    assertThat(healthOf(h -> isJudgedWindow(h, "SCANNER", BROKEN)
        && h.getWindowStart().toEpochMilli() > runningAgainAtMs))
        .as("judged windows of %s after the restart", BROKEN).hasSizeGreaterThan(HEALTH.alarmWindows());
    Map<String, HealthKind> last = new HashMap<>();
    for (ModelHealth change : healthOf(h -> h.getKind() != HealthKind.WINDOW && h.getScope().equals("SCANNER")
        && h.getKey().equals(BROKEN))) {
      assertThat(last.put(change.getSignal(), change.getKind()))
          .as("the change of %s before this %s", change.getSignal(), change.getKind())
          .isNotEqualTo(change.getKind());
    }
  }

  @Test
  void everyImageIsClassifiedExactlyOnceAcrossTheKill() {
    assertThat(verdict.differences()).isEmpty();
    assertThat(verdict.lost()).isZero();
    assertThat(verdict.duplicates()).isZero();
    assertThat(verdict.abortedVerdicts()).as("verdicts of the transaction the kill left open were aborted")
        .isPositive();
  }

  @Test
  void auditedAccuracyPerScannerIsExactlyWhatTheAuditorsLabelled() {
    assertThat(audits.stream().filter(a -> a.getAuditTime().toEpochMilli() < killedAtMs))
        .as("audits due before the kill").isNotEmpty();
    assertThat(audits.stream().filter(a -> a.getAuditTime().toEpochMilli() > runningAgainAtMs))
        .as("audits due after the restart").isNotEmpty();
    Map<String, List<Long>> expected = expectedAuditFigures();
    assertThat(expected.keySet()).hasSize(SCANNERS + 1);
    assertThat(expected.values()).allSatisfy(counts -> assertThat(counts.get(0)).isPositive());
    assertThat(actualAuditFigures(figures, expected.keySet())).isEqualTo(expected);
  }

  @Test
  void eachAuditedItemIsOnAuditedItemsOncePerAudit() {
    Map<String, Long> auditsPerItem = audits.stream()
        .collect(Collectors.groupingBy(ItemAudit::getItemId, TreeMap::new, Collectors.counting()));
    Map<String, Long> joinedPerItem = audited.stream()
        .collect(Collectors.groupingBy(a -> a.getVerdict().getItemId(), TreeMap::new, Collectors.counting()));
    assertThat(joinedPerItem).isEqualTo(auditsPerItem);
    assertThat(audited).allSatisfy(item -> {
      assertThat(item.getCorrect()).isEqualTo(item.getVerdict().getPredictedLabel() == item.getTrueLabel());
      assertThat(item.getVerdict()).isEqualTo(verdicts.get(item.getVerdict().getItemId()));
    });
  }

  @Test
  void theAuditorsLabelEachItemWithTheLabelItWasScannedWith() {
    assertThat(audits).isNotEmpty().allSatisfy(audit ->
        assertThat(audit.getTrueLabel()).isEqualTo(verdicts.get(audit.getItemId()).getTrueLabel()));
  }

  @Test
  void theEstimatedAccuracyOnCleanTrafficIsWithinAPointOfTheMeasured() {
    List<ModelHealth> windows = healthOf(h -> h.getKind() == HealthKind.WINDOW && h.getScope().equals("MODEL")
        && h.getWindowEnd().toEpochMilli() <= faultStartMs);
    double estimated = estimated(windows);
    double measured = measured(windows, item -> true);
    log.info("clean traffic, {} windows, {} verdicts: estimated accuracy {} against {} measured", windows.size(),
        windows.stream().mapToLong(ModelHealth::getCount).sum(), estimated, measured);
    assertThat(estimated).isCloseTo(measured, within(0.01));
  }

  @Test
  void theBrokenScannersEstimatedAccuracyDropsByMoreThanTheAlarmThreshold() {
    long brokenFrom = windowStart(firstBrokenVerdictMs()) + WINDOW_MS;
    List<ModelHealth> before = healthOf(h -> isWindow(h, "SCANNER", BROKEN)
        && h.getWindowEnd().toEpochMilli() <= faultStartMs);
    List<ModelHealth> after = healthOf(h -> isWindow(h, "SCANNER", BROKEN)
        && h.getWindowStart().toEpochMilli() >= brokenFrom);
    Predicate<ClassifiedItem> ofBroken = item -> item.getScannerId().equals(BROKEN);
    double drop = estimated(before) - estimated(after);
    log.info("{} {}: estimated accuracy {} -> {} (drop {}), measured {} -> {} (drop {})", BROKEN, FAULT,
        estimated(before), estimated(after), drop, measured(before, ofBroken), measured(after, ofBroken),
        measured(before, ofBroken) - measured(after, ofBroken));
    assertThat(drop).isGreaterThan(HEALTH.accuracyDrop());
  }

  private static ScannerSimulator.Options options(long seed, long count) {
    return new ScannerSimulator.Options(run.topics().input(), count, RATE, SCANNERS, WAREHOUSES, 1.0, 0, seed);
  }

  private static List<ScanImage> scanImages(LabelledImages images) {
    List<ScanImage> result = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      result.add(new ScanImage(images.image(i), images.columns(), images.rows(), images.label(i)));
    }
    return result;
  }

  /** What a person checking the item finds: the label of the image whichever of the two runs sent it. */
  private static int trueLabel(List<ScanImage> images, ScannerSimulator clean, ScannerSimulator broken, String item,
      String scanner) {
    int label = clean.trueLabel(images, item, scanner);
    return label >= 0 ? label : broken.trueLabel(images, item, scanner);
  }

  /** The simulated auditors, as {@code scan --auditors} runs them, until {@code stopped} and their answers sent. */
  private static SimulatedAuditors.Summary audit(String bootstrap, Map<String, Object> serde,
      ToIntBiFunction<String, String> truth, BooleanSupplier stopped) {
    SpecificAvroDeserializer<ReviewRequest> requests = new SpecificAvroDeserializer<>(ReviewRequest.class);
    requests.configure(serde, false);
    try (SpecificAvroSerializer<ItemAudit> audits = new SpecificAvroSerializer<>();
        KafkaConsumer<String, ReviewRequest> consumer = new KafkaConsumer<>(Map.of(
            "bootstrap.servers", bootstrap,
            "group.id", "quality-auditors-" + RUN,
            "auto.offset.reset", "earliest",
            "isolation.level", "read_committed"), new StringDeserializer(), requests);
        KafkaProducer<String, ItemAudit> producer = new KafkaProducer<>(
            Map.of("bootstrap.servers", bootstrap, "acks", "all"), new StringSerializer(), audits)) {
      audits.configure(serde, false);
      return new SimulatedAuditors(consumer, producer, new SimulatedAuditors.Options(REVIEW_TOPIC, AUDITS_TOPIC,
          AUDITOR_SHARE, AUDIT_DELAY, 1), truth).run(stopped);
    }
  }

  /** What the scanners sent, as the broker has it: what the verifier expects a verdict of. */
  private static Map<String, ScannerLoad.Sent> sent(String bootstrap, Map<String, Object> serde) {
    Map<String, ScannerLoad.Sent> sent = new HashMap<>();
    for (CommittedRecords.Read<InventoryImage> read :
        readAll(bootstrap, serde, run.topics().input(), InventoryImage.class)) {
      InventoryImage image = read.value();
      sent.put(image.getItemId(), new ScannerLoad.Sent(image.getItemId(), false, image.getLabel(),
          image.getScannerId(), image.getWarehouseId()));
    }
    return sent;
  }

  private static <V extends SpecificRecord> List<CommittedRecords.Read<V>> readAll(
      String bootstrap, Map<String, Object> serde, String topic, Class<V> type) {
    try (CommittedRecords<V> records = new CommittedRecords<>(bootstrap, serde, topic, type)) {
      return records.toEnd(Duration.ofMinutes(1));
    }
  }

  private static <V> Map<String, V> firstByItem(List<CommittedRecords.Read<V>> records) {
    Map<String, V> first = new HashMap<>();
    records.forEach(read -> first.putIfAbsent(read.key(), read.value()));
    return first;
  }

  /**
   * Per scanner and overall, from the audits sent, the committed verdicts and the review requests' reasons: audited,
   * audited correct, sampled audited, sampled correct; each item counted once, by its latest audit.
   */
  private static Map<String, List<Long>> expectedAuditFigures() {
    Map<String, ItemAudit> latest = new LinkedHashMap<>();
    audits.forEach(audit -> latest.put(audit.getItemId(), audit));
    Map<String, long[]> counts = new TreeMap<>();
    latest.forEach((item, audit) -> {
      ClassifiedItem verdict = verdicts.get(item);
      boolean correct = verdict.getPredictedLabel() == audit.getTrueLabel();
      boolean sampled = requests.get(item).getReasons().contains(ReviewReason.RANDOM_SAMPLE);
      for (String scope : List.of("OVERALL:all", "SCANNER:" + verdict.getScannerId())) {
        long[] figure = counts.computeIfAbsent(scope, s -> new long[4]);
        figure[0]++;
        figure[1] += correct ? 1 : 0;
        figure[2] += sampled ? 1 : 0;
        figure[3] += sampled && correct ? 1 : 0;
      }
    });
    Map<String, List<Long>> expected = new TreeMap<>();
    counts.forEach((scope, figure) -> expected.put(scope, List.of(figure[0], figure[1], figure[2], figure[3])));
    return expected;
  }

  private static Map<String, List<Long>> actualAuditFigures(Map<String, AccuracyAggregate> latest, Set<String> scopes) {
    Map<String, List<Long>> actual = new TreeMap<>();
    for (String scope : scopes) {
      AccuracyAggregate figure = latest.get(scope);
      actual.put(scope, figure == null ? List.of() : List.of(figure.getAudited(), figure.getAuditedCorrect(),
          figure.getSampledAudited(), figure.getSampledCorrect()));
    }
    return actual;
  }

  /**
   * The latest cumulative figures once the audit counts equal {@code expected} and have stayed so for a few
   * seconds (a count doubled late would change them), or as they are when that does not happen.
   */
  private static Map<String, AccuracyAggregate> awaitAuditFigures(String bootstrap, Map<String, Object> serde,
      Map<String, List<Long>> expected) {
    try (CommittedRecords<AccuracyAggregate> aggregates =
        new CommittedRecords<>(bootstrap, serde, run.topics().aggregates(), AccuracyAggregate.class)) {
      awaitQuietly("the audit figures", Duration.ofMinutes(2), Duration.ofSeconds(3),
          () -> actualAuditFigures(cumulative(aggregates.poll()), expected.keySet()).equals(expected));
      return cumulative(aggregates.toEnd(Duration.ofMinutes(1)));
    }
  }

  private static Map<String, AccuracyAggregate> cumulative(List<CommittedRecords.Read<AccuracyAggregate>> records) {
    Map<String, AccuracyAggregate> latest = new HashMap<>();
    records.stream().filter(read -> !read.key().contains("@")).forEach(read -> latest.put(read.key(), read.value()));
    return latest;
  }

  /** Waits for {@code condition}; on a timeout the test methods' assertions say what is wrong. */
  private static void awaitQuietly(String what, Duration atMost, Callable<Boolean> condition) {
    awaitQuietly(what, atMost, Duration.ZERO, condition);
  }

  private static void awaitQuietly(String what, Duration atMost, Duration during, Callable<Boolean> condition) {
    try {
      await(what).atMost(atMost).during(during).pollInSameThread().pollInterval(Duration.ofMillis(200))
          .until(condition);
      run.event(what);
    } catch (ConditionTimeoutException e) {
      run.event("no " + what + " within " + atMost.toSeconds() + " s");
    }
  }

  private static long firstBrokenVerdictMs() {
    String prefix = ScannerSimulator.itemId(BROKEN_SEED, 0).substring(0, ScannerSimulator.itemId(BROKEN_SEED, 0)
        .lastIndexOf('-') + 1);
    return verdicts.values().stream()
        .filter(item -> item.getScannerId().equals(BROKEN) && item.getItemId().startsWith(prefix))
        .mapToLong(item -> item.getClassifiedTime().toEpochMilli()).min().orElseThrow();
  }

  private static long windowStart(long time) {
    return time - Math.floorMod(time, WINDOW_MS);
  }

  private static List<ModelHealth> healthOf(Predicate<ModelHealth> which) {
    return health.stream().map(CommittedRecords.Read::value).filter(which).toList();
  }

  private static boolean isWindow(ModelHealth record, String scope, String key) {
    return record.getKind() == HealthKind.WINDOW && record.getScope().equals(scope) && record.getKey().equals(key);
  }

  private static boolean isJudgedWindow(ModelHealth record, String scope, String key) {
    return isWindow(record, scope, key) && record.getCount() >= HEALTH.minItems();
  }

  private static boolean isAlarm(ModelHealth record, String scope, String key) {
    return record.getKind() == HealthKind.ALARM && record.getScope().equals(scope) && record.getKey().equals(key);
  }

  /** The estimated accuracy over {@code windows}, each weighted by its count. */
  private static double estimated(List<ModelHealth> windows) {
    double sum = 0;
    long count = 0;
    for (ModelHealth window : windows) {
      sum += window.getEstimatedAccuracy() * window.getCount();
      count += window.getCount();
    }
    return sum / count;
  }

  /** The measured accuracy of the verdicts {@code which} classified in one of {@code windows}. */
  private static double measured(List<ModelHealth> windows, Predicate<ClassifiedItem> which) {
    Set<Long> starts = windows.stream().map(w -> w.getWindowStart().toEpochMilli()).collect(Collectors.toSet());
    long count = 0;
    long correct = 0;
    for (ClassifiedItem item : verdicts.values()) {
      if (which.test(item) && starts.contains(windowStart(item.getClassifiedTime().toEpochMilli()))) {
        count++;
        correct += item.getPredictedLabel() == item.getTrueLabel() ? 1 : 0;
      }
    }
    return (double) correct / count;
  }

  private static void logFigures() {
    log.info("fault start {}, kill {} ms later, RUNNING again {} ms after the kill", faultStartMs,
        killedAtMs - faultStartMs, runningAgainAtMs - killedAtMs);
    log.info("{} review requests, {} audits ({} due before the kill, {} during, {} after the restart), "
        + "{} audited items", requests.size(), audits.size(),
        audits.stream().filter(a -> a.getAuditTime().toEpochMilli() < killedAtMs).count(),
        audits.stream().filter(a -> a.getAuditTime().toEpochMilli() >= killedAtMs
            && a.getAuditTime().toEpochMilli() <= runningAgainAtMs).count(),
        audits.stream().filter(a -> a.getAuditTime().toEpochMilli() > runningAgainAtMs).count(), audited.size());
    log.info("audit figures expected {} and counted {}", expectedAuditFigures(),
        actualAuditFigures(figures, expectedAuditFigures().keySet()));
    health.stream().map(CommittedRecords.Read::value).filter(h -> h.getKind() != HealthKind.WINDOW)
        .forEach(h -> log.info("{} {}:{} {} value {} threshold {} window {}-{} (fault at {})", h.getKind(),
            h.getScope(), h.getKey(), h.getSignal(), h.getValue(), h.getThreshold(),
            h.getWindowStart().toEpochMilli(), h.getWindowEnd().toEpochMilli(), faultStartMs));
    health.stream().map(CommittedRecords.Read::value)
        .filter(h -> h.getKind() == HealthKind.WINDOW && (h.getLeftOut() > 0 || !h.getOverThreshold().isEmpty()))
        .forEach(h -> log.info("window {}:{} {} count {} over {} leftOut {} skew {} ms", h.getScope(), h.getKey(),
            h.getWindowStart().toEpochMilli(), h.getCount(), h.getOverThreshold(), h.getLeftOut(),
            Math.round(h.getMeanSkewMs())));
  }
}
