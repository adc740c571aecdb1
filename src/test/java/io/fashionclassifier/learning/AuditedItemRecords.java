package io.fashionclassifier.learning;

import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ShadowVerdict;
import java.time.Instant;
import java.util.List;

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

}
