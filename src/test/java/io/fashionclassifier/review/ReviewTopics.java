package io.fashionclassifier.review;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.LabelScore;
import io.fashionclassifier.schema.ReviewReason;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.fashionclassifier.streaming.KafkaTestClients;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A test's own review and audit topics on the shared broker, review requests on them in Avro, and the audits read back. */
final class ReviewTopics implements AutoCloseable {

  private static FashionMnist data;

  final String run = UUID.randomUUID().toString().substring(0, 8);
  final KafkaBroker broker = KafkaBroker.shared();
  final String requests = "review-requests-" + run;
  final String audits = "item-audits-" + run;
  /** Not created: a review server starts without the decisions topic. */
  final String decisions = "model-decisions-" + run;
  private final String registryScope = "review-" + run;

  ReviewTopics() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(requests, 2, (short) 1), new NewTopic(audits, 2, (short) 1)))
          .all().get();
    }
  }

  Map<String, Object> clientConfig() {
    return Map.of("bootstrap.servers", broker.bootstrapServers());
  }

  Map<String, Object> serdeConfig() {
    return Map.of("schema.registry.url", "mock://" + registryScope);
  }

  ReviewApp.Settings settings(Duration lease) {
    return new ReviewApp.Settings(requests, audits, "review-" + run, lease, decisions,
        new ReviewServer.Settings("127.0.0.1", 0, java.util.Optional.empty()));
  }

  /** Review requests for the first {@code count} Fashion-MNIST test images, ids {@code item-<run>-NN}, in order. */
  List<String> produceRequests(int count) throws Exception {
    LabelledImages images = data().test();
    SpecificAvroSerializer<ReviewRequest> serializer = new SpecificAvroSerializer<>();
    serializer.configure(serdeConfig(), false);
    List<String> ids = new ArrayList<>();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", broker.bootstrapServers(), "enable.idempotence", true, "acks", "all"),
        new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < count; i++) {
        String id = String.format("item-%s-%02d", run, i);
        FashionClass truth = FashionClass.values()[images.label(i)];
        FashionClass runnerUp = FashionClass.values()[(images.label(i) + 1) % 10];
        FashionClass third = FashionClass.values()[(images.label(i) + 2) % 10];
        ReviewRequest request = ReviewRequest.newBuilder()
            .setItemId(id)
            .setScannerId("scanner-" + (i % 3))
            .setWarehouseId("warehouse-1")
            .setCaptureTime(now.minusSeconds(90))
            .setClassifiedTime(now.minusSeconds(88))
            .setModelVersion("3f2a9c1d")
            .setPredictedLabel(truth)
            .setConfidence(0.46f)
            .setMargin(0.08f)
            .setTopK(List.of(new LabelScore(truth, 0.46f), new LabelScore(runnerUp, 0.38f),
                new LabelScore(third, 0.09f)))
            .setReasons(List.of(ReviewReason.LOW_CONFIDENCE, ReviewReason.LOW_MARGIN))
            .setWidth(28)
            .setHeight(28)
            .setPixels(ByteBuffer.wrap(images.image(i)))
            .build();
        // one partition, so that the queue shows them in this order
        producer.send(new ProducerRecord<>(requests, 0, id, serializer.serialize(requests, request))).get();
        ids.add(id);
      }
    }
    return ids;
  }

  /** The audits a read_committed consumer sees from the start, once {@code done} holds and a little after. */
  List<ConsumerRecord<String, ItemAudit>> readAudits(Predicate<List<ConsumerRecord<String, ItemAudit>>> done) {
    SpecificAvroDeserializer<ItemAudit> values = new SpecificAvroDeserializer<>(ItemAudit.class);
    values.configure(serdeConfig(), false);
    return KafkaTestClients.readCommitted(broker.bootstrapServers(), audits, values, done, Duration.ofMinutes(1),
        Duration.ofSeconds(3));
  }

  private static synchronized FashionMnist data() {
    if (data == null) {
      data = FashionMnist.load(null);
    }
    return data;
  }

  @Override
  public void close() {
    MockSchemaRegistry.dropScope(registryScope);
  }
}
