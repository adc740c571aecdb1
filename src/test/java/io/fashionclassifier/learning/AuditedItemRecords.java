package io.fashionclassifier.learning;

import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.schema.ShadowVerdict;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Audited items as the classifier sends them to audited-items, for the tests of the learning loop. */
public final class AuditedItemRecords {

  private AuditedItemRecords() {}

  /** An audited item: the active model's label, the shadow's (null: no shadow), and the audited truth. */
  public static AuditedItem audited(String itemId, String activeVersion, FashionClass active, String shadowVersion,
      FashionClass shadow, FashionClass truth) {
    ClassifiedItem verdict = ClassifiedItem.newBuilder()
        .setItemId(itemId)
        .setScannerId("scanner-1")
        .setWarehouseId("warehouse-1")
        .setCaptureTime(Instant.ofEpochMilli(1_000))
        .setPredictedLabel(active)
        .setConfidence(0.7f)
        .setTopK(List.of())
        .setModelVersion(activeVersion)
        .setClassifiedTime(Instant.ofEpochMilli(2_000))
        .setShadow(shadow == null ? null : new ShadowVerdict(shadowVersion, shadow, 0.6f))
        .build();
    return AuditedItem.newBuilder()
        .setVerdict(verdict)
        .setTrueLabel(truth)
        .setCorrect(active == truth)
        .setAuditor("alice")
        .setAuditTime(Instant.ofEpochMilli(3_000))
        .setSource(AuditSource.REVIEW_QUEUE)
        .setSampled(false)
        .setAudits(1)
        .build();
  }


  /**
   * Sends the first {@code withImages} of {@code ids} to {@code inputTopic} as inventory images (image {@code i} of
   * {@code images}), and every id to {@code auditedTopic} as an item the active model classified and an auditor
   * labelled with the image's true label: audits whose image is not (or no longer) on the input topic after those.
   */
  public static void publish(String bootstrap, Map<String, Object> serdeConfig, String inputTopic,
      String auditedTopic, LabelledImages images, List<String> ids, int withImages, String activeVersion)
      throws Exception {
    SpecificAvroSerializer<InventoryImage> imageValues = new SpecificAvroSerializer<>();
    imageValues.configure(serdeConfig, false);
    SpecificAvroSerializer<AuditedItem> auditedValues = new SpecificAvroSerializer<>();
    auditedValues.configure(serdeConfig, false);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
        new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        FashionClass truth = FashionClass.values()[images.label(i)];
        if (i < withImages) {
          InventoryImage image = InventoryImage.newBuilder()
              .setItemId(id)
              .setScannerId("scanner-1")
              .setWarehouseId("warehouse-1")
              .setCaptureTime(Instant.now())
              .setWidth(28)
              .setHeight(28)
              .setPixels(ByteBuffer.wrap(images.image(i)))
              .build();
          producer.send(new ProducerRecord<>(inputTopic, id, imageValues.serialize(inputTopic, image))).get();
        }
        producer.send(new ProducerRecord<>(auditedTopic, id, auditedValues.serialize(auditedTopic,
            audited(id, activeVersion, truth, null, null, truth)))).get();
      }
    }
  }
}
