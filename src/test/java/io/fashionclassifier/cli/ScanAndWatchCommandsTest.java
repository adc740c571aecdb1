package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** `scan` and `watch` against a real broker. */
class ScanAndWatchCommandsTest {

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String bootstrap = KafkaBroker.shared().bootstrapServers();
  private final String registry = "mock://scan-watch-" + run;

  @Test
  void scanSendsDecodableImagesAndTheRequestedShareOfBrokenOnes() {
    String topic = "scan-" + run;
    CommandRun scan = CommandRun.execute("scan", "-b", bootstrap, "-r", registry, "--topic", topic, "-n", "60", "--rate", "0",
        "--scanners", "3", "--warehouses", "1", "--labelled", "0.5", "--broken", "0.2", "--seed", "5");

    assertThat(scan.exit()).as(scan.err()).isZero();
    assertThat(scan.out()).contains("sent 60 records");
    List<ConsumerRecord<String, byte[]>> raw = KafkaTestClients.readCommitted(bootstrap, topic,
        KafkaTestClients.bytes(), r -> r.size() >= 60, Duration.ofSeconds(30), Duration.ofMillis(500));
    assertThat(raw).hasSize(60);

    SpecificAvroDeserializer<InventoryImage> images = new SpecificAvroDeserializer<>();
    images.configure(Map.of(ClassifierConfig.SCHEMA_REGISTRY_URL, registry), false);
    int decoded = 0;
    int wellFormed = 0;
    int labelled = 0;
    for (ConsumerRecord<String, byte[]> record : raw) {
      try {
        InventoryImage image = images.deserialize(topic, record.value());
        decoded++;
        assertThat(image.getItemId()).isEqualTo(record.key());
        assertThat(image.getScannerId()).matches("scanner-0[1-3]");
        if (image.getWidth() == 28 && image.getPixels().remaining() == 784) {
          wellFormed++;
          labelled += image.getLabel() == null ? 0 : 1;
        }
      } catch (SerializationException broken) {
        // NOT_AVRO, UNKNOWN_SCHEMA_ID and TRUNCATED records
      }
    }
    int broken = 60 - wellFormed;
    assertThat(broken).isBetween(4, 24);
    assertThat(decoded).isLessThan(60).isGreaterThan(wellFormed - 1);
    assertThat(labelled).isBetween(10, wellFormed - 5);
    assertThat(scan.out()).contains(broken + " broken");
  }

  @Test
  void watchPrintsEveryOutputRecordAsJson() throws Exception {
    ClassifierConfig config = topics();
    publishOutputs(config);

    CommandRun watch = CommandRun.execute("watch", "-b", bootstrap, "-r", registry, "--json", "--duration", "3s",
        "-D", ClassifierConfig.TOPIC_CLASSIFIED + "=" + config.classifiedTopic(),
        "-D", ClassifierConfig.TOPIC_AGGREGATES + "=" + config.aggregatesTopic());

    assertThat(watch.exit()).as(watch.err()).isZero();
    List<String> lines = watch.out().lines().toList();
    assertThat(lines).hasSize(3);
    // the topics and their partitions are read concurrently: no order across them is given
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = lines.stream().map(line -> read(json, line)).toList();
    List<JsonNode> items = records.stream()
        .filter(n -> n.get("topic").asText().equals(config.classifiedTopic())).toList();
    List<JsonNode> aggregates = records.stream()
        .filter(n -> n.get("topic").asText().equals(config.aggregatesTopic())).toList();
    assertThat(items).extracting(n -> n.get("value").get("itemId").asText()).containsExactlyInAnyOrder("item-a", "item-b");
    assertThat(aggregates).singleElement()
        .satisfies(aggregate -> assertThat(aggregate.get("value").get("correct").asLong()).isEqualTo(1));
  }

  @Test
  void watchRendersTheBoard() {
    ClassifierConfig config = topics();
    publishOutputs(config);

    CommandRun watch = CommandRun.execute("watch", "-b", bootstrap, "-r", registry, "--duration", "2s", "--refresh", "500ms",
        "-D", ClassifierConfig.TOPIC_CLASSIFIED + "=" + config.classifiedTopic(),
        "-D", ClassifierConfig.TOPIC_AGGREGATES + "=" + config.aggregatesTopic());

    assertThat(watch.exit()).as(watch.err()).isZero();
    assertThat(watch.out()).contains("overall: 2 classified, 2 labelled, 1 correct, accuracy 50.00%")
        .contains("item-b").contains("Ankle boot");
  }

  @Test
  void watchSaysWhatIsWrongWhenTheBrokerIsAbsent() {
    CommandRun watch = CommandRun.execute("watch", "-b", "127.0.0.1:1", "-r", registry, "--duration", "1s",
        "-D", "default.api.timeout.ms=2000");

    assertThat(watch.exit()).isEqualTo(2);
    assertThat(watch.err().strip()).startsWith("error: ").contains("check --bootstrap-servers").doesNotContain("\n");
  }

  private ClassifierConfig topics() {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    return ClassifierConfig.of(Map.of(
        ClassifierConfig.SCHEMA_REGISTRY_URL, registry,
        ClassifierConfig.TOPIC_CLASSIFIED, "items-" + suffix,
        ClassifierConfig.TOPIC_AGGREGATES, "aggregates-" + suffix));
  }

  private void publishOutputs(ClassifierConfig config) {
    Instant now = Instant.now();
    SpecificAvroSerializer<ClassifiedItem> items = new SpecificAvroSerializer<>();
    items.configure(config.serdeConfig(), false);
    SpecificAvroSerializer<AccuracyAggregate> aggregates = new SpecificAvroSerializer<>();
    aggregates.configure(config.serdeConfig(), false);
    try (KafkaProducer<String, ClassifiedItem> itemProducer =
            new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(), items);
        KafkaProducer<String, AccuracyAggregate> aggregateProducer =
            new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(), aggregates)) {
      for (String id : List.of("a", "b")) {
        FashionClass truth = FashionClass.ANKLE_BOOT;
        FashionClass predicted = id.equals("a") ? FashionClass.ANKLE_BOOT : FashionClass.SNEAKER;
        ClassifiedItem item = ClassifiedItem.newBuilder()
            .setItemId("item-" + id).setScannerId("scanner-01").setWarehouseId("warehouse-1").setCaptureTime(now)
            .setPredictedLabel(predicted).setConfidence(0.7f).setTopK(List.of(new LabelScore(predicted, 0.7f)))
            .setModelVersion("v1").setClassifiedTime(now).setTrueLabel(truth).setCorrect(truth == predicted)
            .build();
        itemProducer.send(new ProducerRecord<>(config.classifiedTopic(), item.getItemId(), item));
      }
      aggregateProducer.send(new ProducerRecord<>(config.aggregatesTopic(), "OVERALL:all",
          AccuracyAggregate.newBuilder().setScope(AggregateScope.OVERALL).setKey("all").setSeen(2).setLabelled(2)
              .setCorrect(1).setPredictedLabelled(2).setAccuracy(0.5).setModelVersion("v1").setUpdatedTime(now)
              .build()));
    }
  }

  private static JsonNode read(ObjectMapper json, String line) {
    try {
      return json.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }
}
