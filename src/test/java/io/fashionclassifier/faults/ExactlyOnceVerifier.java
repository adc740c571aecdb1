package io.fashionclassifier.faults;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Checks a fault run's outputs against what the scanners sent, as Kafka's {@code EosTestDriver} does: everything
 * is read with {@code isolation.level=read_committed}, and
 *
 * <ul>
 *   <li>every good input has exactly one verdict, carrying the label it was sent with, and nothing else has one;
 *   <li>every hostile input has exactly one dead letter, and nothing else has one;
 *   <li>each final cumulative accuracy figure (seen, labelled, correct, predicted-labelled) equals the one
 *       recomputed from the inputs and the committed verdicts, and no figure is missing or extra;
 *   <li>no transaction is left open: on every partition of the outputs and of the application's internal topics,
 *       a {@code read_committed} and a {@code read_uncommitted} consumer end at the same offset.
 * </ul>
 *
 * It also counts the records only {@code read_uncommitted} sees on the verdict topic: output of aborted
 * transactions, the evidence that a kill landed inside an open transaction; and it gives the committed verdicts'
 * capture and classified times to {@link RecordWaits}, which says how long the faults made records wait.
 */
final class ExactlyOnceVerifier {

  private final String bootstrap;
  private final Map<String, Object> serdeConfig;
  private final FaultRun.Topics topics;
  private final String applicationId;
  private final int inputPartitions;

  ExactlyOnceVerifier(String bootstrap, Map<String, Object> serdeConfig, FaultRun.Topics topics,
      String applicationId, int inputPartitions) {
    this.bootstrap = bootstrap;
    this.serdeConfig = serdeConfig;
    this.topics = topics;
    this.applicationId = applicationId;
    this.inputPartitions = inputPartitions;
  }

  /**
   * Reads until the outputs match {@code sent} and no transaction is open, or {@code timeout} passes, then keeps
   * reading for {@code settle} (a duplicate arriving late must still count), and judges.
   */
  Verdict verify(Map<String, ScannerLoad.Sent> sent, Duration timeout, Duration settle) {
    try (Output output = new Output()) {
      long deadline = System.nanoTime() + timeout.toNanos();
      Verdict verdict = output.judge(sent, false);
      while (!verdict.passed() && System.nanoTime() < deadline) {
        output.poll(Duration.ofSeconds(1));
        verdict = output.judge(sent, false);
      }
      long settled = System.nanoTime() + settle.toNanos();
      while (System.nanoTime() < settled) {
        output.poll(Duration.ofMillis(500));
      }
      return output.judge(sent, true);
    }
  }

  /** Everything committed on the three output topics so far, read by one consumer. */
  private final class Output implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SpecificAvroDeserializer<ClassifiedItem> items = new SpecificAvroDeserializer<>();
    private final SpecificAvroDeserializer<AccuracyAggregate> figures = new SpecificAvroDeserializer<>();
    private final Map<String, List<ClassifiedItem>> verdicts = new HashMap<>();
    private final Map<String, Integer> deadLetters = new HashMap<>();
    private final Map<String, AccuracyAggregate> cumulative = new TreeMap<>();
    private final Admin admin;
    private int checkedPartitions;

    Output() {
      items.configure(serdeConfig, false);
      figures.configure(serdeConfig, false);
      consumer = consumer("read_committed");
      List<TopicPartition> partitions = partitions(consumer,
          List.of(topics.classified(), topics.aggregates(), topics.deadLetters()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
    }

    void poll(Duration timeout) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        if (record.topic().equals(topics.classified())) {
          verdicts.computeIfAbsent(key, k -> new ArrayList<>()).add(items.deserialize(record.topic(), record.value()));
        } else if (record.topic().equals(topics.deadLetters())) {
          deadLetters.merge(key, 1, Integer::sum);
        } else if (!key.contains("@")) {
          // windowed figures carry "@<window start>"; the cumulative ones are checked
          cumulative.put(key, figures.deserialize(record.topic(), record.value()));
        }
      }
    }

    Verdict judge(Map<String, ScannerLoad.Sent> sent, boolean last) {
      List<String> differences = new ArrayList<>();
      int good = 0;
      int hostile = 0;
      int missing = 0;
      int duplicates = 0;
      int wrongLabel = 0;
      int missingLetters = 0;
      int duplicateLetters = 0;
      for (ScannerLoad.Sent item : sent.values()) {
        List<ClassifiedItem> got = verdicts.getOrDefault(item.itemId(), List.of());
        int letters = deadLetters.getOrDefault(item.itemId(), 0);
        if (item.hostile()) {
          hostile++;
          if (!got.isEmpty()) {
            differences.add("hostile " + item.itemId() + " was classified");
          }
          if (letters == 0) {
            missingLetters++;
          } else if (letters > 1) {
            duplicateLetters += letters - 1;
          }
        } else {
          good++;
          if (letters > 0) {
            differences.add("good " + item.itemId() + " was dead-lettered " + letters + " time(s)");
          }
          if (got.isEmpty()) {
            missing++;
          } else {
            duplicates += got.size() - 1;
            if (got.get(0).getTrueLabel() != item.label()) {
              wrongLabel++;
            }
          }
        }
      }
      Set<String> unexpected = verdicts.keySet().stream().filter(k -> !sent.containsKey(k))
          .collect(Collectors.toCollection(TreeSet::new));
      unexpected.addAll(deadLetters.keySet().stream().filter(k -> !sent.containsKey(k)).toList());
      int classified = verdicts.values().stream().mapToInt(List::size).sum();
      int letters = deadLetters.values().stream().mapToInt(Integer::intValue).sum();
      if (missing > 0) {
        differences.add(missing + " good inputs have no verdict (lost)");
      }
      if (duplicates > 0) {
        differences.add(duplicates + " duplicate verdicts");
      }
      if (wrongLabel > 0) {
        differences.add(wrongLabel + " verdicts carry another true label than was sent");
      }
      if (missingLetters > 0) {
        differences.add(missingLetters + " hostile inputs have no dead letter");
      }
      if (duplicateLetters > 0) {
        differences.add(duplicateLetters + " duplicate dead letters");
      }
      if (!unexpected.isEmpty()) {
        differences.add(unexpected.size() + " outputs for keys never sent, e.g. " + unexpected.iterator().next());
      }
      Map<String, long[]> expectedFigures = recompute(sent, verdicts);
      int figureDifferences = 0;
      for (Map.Entry<String, long[]> figure : expectedFigures.entrySet()) {
        AccuracyAggregate actual = cumulative.get(figure.getKey());
        long[] want = figure.getValue();
        long[] have = actual == null ? null
            : new long[] {actual.getSeen(), actual.getLabelled(), actual.getCorrect(), actual.getPredictedLabelled()};
        if (!Arrays.equals(want, have)) {
          figureDifferences++;
          if (figureDifferences <= 3) {
            differences.add("figure " + figure.getKey() + " is " + counts(have) + ", recomputed " + counts(want));
          }
        }
      }
      for (String key : cumulative.keySet()) {
        if (!expectedFigures.containsKey(key)) {
          figureDifferences++;
          differences.add("figure " + key + " should not exist");
        }
      }
      if (figureDifferences > 3) {
        differences.add(figureDifferences + " cumulative figures differ in all");
      }
      Map<TopicPartition, long[]> open = openTransactions();
      if (!open.isEmpty()) {
        Map.Entry<TopicPartition, long[]> first = open.entrySet().iterator().next();
        differences.add(open.size() + " partitions with an open transaction, e.g. " + first.getKey()
            + " read_committed ends at " + first.getValue()[0] + ", read_uncommitted at " + first.getValue()[1]);
      }
      return new Verdict(sent.size(), good, hostile, classified, verdicts.size(), letters, expectedFigures.size(),
          figureDifferences, checkedPartitions, last ? abortedVerdicts() : -1, List.copyOf(differences),
          last ? waits(sent) : new RecordWaits(List.of()));
    }

    /** The first committed verdict of each good input, the one a consumer acts on. */
    private RecordWaits waits(Map<String, ScannerLoad.Sent> sent) {
      List<RecordWaits.Timing> timings = new ArrayList<>();
      verdicts.forEach((itemId, got) -> {
        if (sent.containsKey(itemId) && !got.isEmpty()) {
          ClassifiedItem first = got.get(0);
          timings.add(new RecordWaits.Timing(itemId, RecordWaits.partitionOf(itemId, inputPartitions),
              first.getCaptureTime().toEpochMilli(), first.getClassifiedTime().toEpochMilli()));
        }
      });
      return new RecordWaits(timings);
    }

    /** Partition -> {read_committed end, read_uncommitted end} where they differ. */
    private Map<TopicPartition, long[]> openTransactions() {
      Map<TopicPartition, long[]> open = new LinkedHashMap<>();
      try (KafkaConsumer<byte[], byte[]> committed = consumer("read_committed");
          KafkaConsumer<byte[], byte[]> uncommitted = consumer("read_uncommitted")) {
        List<String> names = new ArrayList<>(List.of(topics.classified(), topics.aggregates(), topics.deadLetters()));
        admin.listTopics().names().get().stream()
            .filter(name -> name.startsWith(applicationId + "-")).sorted().forEach(names::add);
        List<TopicPartition> partitions = partitions(committed, names);
        checkedPartitions = partitions.size();
        Map<TopicPartition, Long> lastStable = committed.endOffsets(partitions);
        Map<TopicPartition, Long> highWatermark = uncommitted.endOffsets(partitions);
        for (TopicPartition partition : partitions) {
          if (!Objects.equals(lastStable.get(partition), highWatermark.get(partition))) {
            open.put(partition, new long[] {lastStable.get(partition), highWatermark.get(partition)});
          }
        }
      } catch (Exception e) {
        open.put(new TopicPartition("(cannot list offsets: " + e.getMessage() + ")", 0), new long[] {-1, -1});
      }
      return open;
    }

    /** Records on the verdict topic that only read_uncommitted sees (aborted transactions). */
    private long abortedVerdicts() {
      try (KafkaConsumer<byte[], byte[]> uncommitted = consumer("read_uncommitted")) {
        List<TopicPartition> partitions = partitions(uncommitted, List.of(topics.classified()));
        uncommitted.assign(partitions);
        uncommitted.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = uncommitted.endOffsets(partitions);
        long all = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (partitions.stream().anyMatch(p -> uncommitted.position(p) < end.get(p))
            && System.nanoTime() < deadline) {
          all += uncommitted.poll(Duration.ofMillis(200)).count();
        }
        long committed = verdicts.values().stream().mapToInt(List::size).sum();
        return all - committed;
      }
    }

    @Override
    public void close() {
      consumer.close();
      admin.close();
    }
  }

  /** Scope key -> {seen, labelled, correct, predictedLabelled}, from the inputs and the first verdict of each. */
  private static Map<String, long[]> recompute(
      Map<String, ScannerLoad.Sent> sent, Map<String, List<ClassifiedItem>> verdicts) {
    Map<String, long[]> figures = new TreeMap<>();
    for (ScannerLoad.Sent item : sent.values()) {
      List<ClassifiedItem> got = verdicts.get(item.itemId());
      if (item.hostile() || got == null || got.isEmpty()) {
        continue;
      }
      FashionClass predicted = got.get(0).getPredictedLabel();
      FashionClass label = item.label();
      boolean labelled = label != null;
      boolean correct = labelled && label == predicted;
      String version = got.get(0).getModelVersion();
      for (String scope : List.of("OVERALL:all", "SCANNER:" + item.scannerId(), "WAREHOUSE:" + item.warehouseId(),
          "MODEL:" + version)) {
        long[] figure = figures.computeIfAbsent(scope, k -> new long[4]);
        figure[0]++;
        figure[1] += labelled ? 1 : 0;
        figure[2] += correct ? 1 : 0;
        figure[3] += labelled ? 1 : 0;
      }
      // a class counts the items predicted as it (seen, predicted-labelled) and those truly of it (labelled, correct)
      long[] predictedClass = figures.computeIfAbsent("CLASS:" + predicted.name(), k -> new long[4]);
      predictedClass[0]++;
      predictedClass[3] += labelled ? 1 : 0;
      if (labelled) {
        long[] trueClass = figures.computeIfAbsent("CLASS:" + label.name(), k -> new long[4]);
        trueClass[1]++;
        trueClass[2] += correct ? 1 : 0;
      }
    }
    return figures;
  }

  private static String counts(long[] figure) {
    return figure == null ? "missing"
        : "seen " + figure[0] + " labelled " + figure[1] + " correct " + figure[2] + " predicted-labelled " + figure[3];
  }

  private KafkaConsumer<byte[], byte[]> consumer(String isolation) {
    return new KafkaConsumer<>(Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", "verifier-" + UUID.randomUUID(),
        "enable.auto.commit", false,
        "auto.offset.reset", "earliest",
        "isolation.level", isolation),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, Collection<String> names) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String name : names) {
      for (PartitionInfo info : consumer.partitionsFor(name, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(info.topic(), info.partition()));
      }
    }
    return partitions;
  }
}
