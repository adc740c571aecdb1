package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.ImagePreprocessing;
import io.fashionclassifier.scanner.ScanImage;
import io.fashionclassifier.scanner.ScannerFault;
import io.fashionclassifier.scanner.SimulatedAuditors;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.scanner.ScannerSimulator;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntBiFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Simulated warehouse scanners: sends item photos to the inventory topic in the Avro wire format. */
@Command(name = "scan", header = "Simulate warehouse scanners sending images to the inventory topic.", mixinStandardHelpOptions = true,
    description = "Simulate warehouse scanners: send Fashion-MNIST or PNG/JPEG images to the inventory topic.")
final class ScanCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(names = "--topic", paramLabel = "TOPIC",
      description = "Inventory topic (env ${bundle:fashion.topic.input.env}; default ${bundle:fashion.topic.input}).")
  String topic;

  @Option(names = "--images", paramLabel = "DIR",
      description = "Send the PNG/JPEG files under DIR (a sub-directory named after a class, e.g. Sneaker/, "
          + "gives its files that true label) instead of the Fashion-MNIST test set.")
  Path imageDir;

  @Option(names = "--invert", description = "With --images: the photos show dark items on a light background.")
  boolean invert;

  @Mixin DatasetOption data;

  @Option(names = "--split", defaultValue = "test", description = "Fashion-MNIST split to send: test or train (default ${DEFAULT-VALUE}).")
  String split;

  @Mixin ScanOptions sending;

  @Option(names = "--break-scanner", paramLabel = "SCANNER=FAULT",
      description = "Make one scanner go wrong while its records stay valid, e.g. scanner-03=dark; faults: dark, "
          + "inverted, rotated, blurred, noisy, product_mix (footwear only), clock_behind (two minutes slow).")
  String breakScanner;

  @Option(names = "--auditors", paramLabel = "SHARE", defaultValue = "0",
      description = "Also play the people at the review page: answer this share (0-1) of the review requests on "
          + "${bundle:fashion.topic.review} with the item's true label on ${bundle:fashion.topic.audits} "
          + "(default ${DEFAULT-VALUE}: no auditors). Needs the classifier's review queue and audits on.")
  double auditorShare;

  @Option(names = "--audit-delay", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
      description = "With --auditors: how long after its verdict an item is checked (default ${DEFAULT-VALUE}).")
  Duration auditDelay;

  @Override
  public Integer call() throws Exception {
    ClassifierConfig config = cluster.load(topic == null ? Map.of() : Map.of(ClassifierConfig.TOPIC_INPUT, topic));
    List<ScanImage> images = imageDir != null ? readDirectory(imageDir, invert) : fashionMnist(data, split);
    ScannerSimulator.Options options = sending.toOptions(config.inputTopic(), 0);
    PrintWriter out = spec.commandLine().getOut();
    // Ctrl-C stops sending; what was sent is flushed before the JVM exits
    try (StopSignal stop = StopSignal.install("scan");
        KafkaProducer<String, byte[]> producer = ScannerSimulator.producer(config.clientConfig(), "fashion-classifier-scan");
        SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>()) {
      serializer.configure(config.serdeConfig(), false);
      out.printf(Locale.ROOT, "sending %,d records to %s on %s%n", options.count(), config.inputTopic(),
          config.bootstrapServers());
      out.flush();
      ScannerSimulator simulator = new ScannerSimulator(producer, serializer, options,
          faulty(breakScanner, options.scanners()));
      AtomicBoolean sendingDone = new AtomicBoolean();
      CompletableFuture<SimulatedAuditors.Summary> auditing = auditorShare <= 0
          ? CompletableFuture.completedFuture(null)
          : CompletableFuture.supplyAsync(() -> audit(config, options.seed(),
              (item, scanner) -> simulator.trueLabel(images, item, scanner),
              () -> sendingDone.get() || stop.requested()));
      ScannerSimulator.Summary summary;
      try {
        summary = simulator.run(images, stop::requested, sent -> { });
      } finally {
        sendingDone.set(true);
      }
      out.println(summary);
      out.flush();
      SimulatedAuditors.Summary audited = auditing.join();
      if (audited != null) {
        out.println(audited);
        out.flush();
      }
      return 0;
    } catch (KafkaException | IllegalStateException e) {
      throw new UserError("sending failed: " + e.getMessage()
          + " (check --bootstrap-servers and --schema-registry-url)", e);
    }
  }

  /** Plays the auditors until {@code stopped}, and the answers then due, are done. */
  private SimulatedAuditors.Summary audit(ClassifierConfig config, long seed, ToIntBiFunction<String, String> truth,
      BooleanSupplier stopped) {
    if (auditorShare > 1) {
      throw new UserError("--auditors is a share between 0 and 1, not " + auditorShare);
    }
    Map<String, Object> consumerConfig = new HashMap<>(config.clientConfig());
    consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "fashion-classifier-scan-auditors-" + seed);
    consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, Object> producerConfig = new HashMap<>(config.clientConfig());
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    try (SpecificAvroDeserializer<ReviewRequest> requests = new SpecificAvroDeserializer<>(ReviewRequest.class);
        SpecificAvroSerializer<ItemAudit> audits = new SpecificAvroSerializer<>()) {
      requests.configure(config.serdeConfig(), false);
      audits.configure(config.serdeConfig(), false);
      try (KafkaConsumer<String, ReviewRequest> consumer =
              new KafkaConsumer<>(consumerConfig, new StringDeserializer(), requests);
          KafkaProducer<String, ItemAudit> producer =
              new KafkaProducer<>(producerConfig, new StringSerializer(), audits)) {
        return new SimulatedAuditors(consumer, producer, new SimulatedAuditors.Options(config.reviewTopic(),
            config.auditsTopic(), auditorShare, auditDelay, seed), truth).run(stopped);
      }
    }
  }

  /** The scanner {@code --break-scanner} names and its fault, or null. */
  static ScannerSimulator.Faulty faulty(String option, int scanners) {
    if (option == null) {
      return null;
    }
    String[] parts = option.split("=", 2);
    String faults = Arrays.stream(ScannerFault.values()).map(f -> f.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
    if (parts.length != 2) {
      throw new UserError("--break-scanner takes SCANNER=FAULT, e.g. scanner-03=dark, not '" + option + "'");
    }
    List<String> known = new ArrayList<>();
    for (int i = 0; i < scanners; i++) {
      known.add(ScannerSimulator.scannerId(i));
    }
    if (!known.contains(parts[0])) {
      throw new UserError("--break-scanner: no scanner '" + parts[0] + "' among the " + scanners
          + " simulated (scanner-01 to " + known.get(known.size() - 1) + ")");
    }
    try {
      return new ScannerSimulator.Faulty(parts[0], ScannerFault.valueOf(parts[1].toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new UserError("--break-scanner: unknown fault '" + parts[1] + "'; one of " + faults);
    }
  }

  static List<ScanImage> fashionMnist(DatasetOption data, String split) {
    FashionMnist images = data.load();
    return scanImages(switch (split) {
      case "test" -> images.test();
      case "train" -> images.train();
      default -> throw new UserError("--split must be test or train, not '" + split + "'");
    });
  }

  static List<ScanImage> scanImages(LabelledImages images) {
    List<ScanImage> result = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      result.add(new ScanImage(images.image(i), images.columns(), images.rows(), images.label(i)));
    }
    return result;
  }

  static List<ScanImage> readDirectory(Path dir, boolean invert) {
    if (!Files.isDirectory(dir)) {
      throw new UserError("image directory " + dir + " does not exist: check --images");
    }
    List<ScanImage> result = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!(name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg"))) {
          continue;
        }
        byte[] pixels = ImagePreprocessing.read(file, invert);
        int label = file.getParent().equals(dir) ? ScanImage.UNKNOWN : labelOf(file.getParent().getFileName().toString());
        result.add(new ScanImage(pixels, ImagePreprocessing.SIZE, ImagePreprocessing.SIZE, label));
      }
    } catch (IOException e) {
      throw new UserError("cannot read images under " + dir + ": " + e.getMessage(), e);
    }
    if (result.isEmpty()) {
      throw new UserError("no .png, .jpg or .jpeg files under " + dir);
    }
    return result;
  }

  /** A directory named after a class (case and punctuation ignored: "ankle-boot", "T-shirt_top") labels its files. */
  static int labelOf(String directoryName) {
    String wanted = directoryName.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
    for (int label = 0; label < FashionMnist.CLASS_NAMES.size(); label++) {
      if (FashionMnist.CLASS_NAMES.get(label).toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "").equals(wanted)) {
        return label;
      }
    }
    return ScanImage.UNKNOWN;
  }
}
