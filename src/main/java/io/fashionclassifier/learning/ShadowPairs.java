package io.fashionclassifier.learning;

import io.fashionclassifier.promotion.PairedEvidence;
import io.fashionclassifier.promotion.PairedOutcome;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ShadowVerdict;
import java.util.HashMap;
import java.util.Map;

/**
 * The paired outcomes of one active model and one candidate, from the audited items in topic order: an item counts
 * when its latest audited record is a verdict of the active version that carries the candidate's prediction. A
 * later record of an item replaces the earlier one (a second audit, or a new verdict), as on the topic itself.
 */
final class ShadowPairs {

  private final String activeVersion;
  private final String candidateVersion;
  private final Map<String, PairedOutcome> latest = new HashMap<>();
  private long read;

  ShadowPairs(String activeVersion, String candidateVersion) {
    this.activeVersion = activeVersion;
    this.candidateVersion = candidateVersion;
  }

  /** The next audited item of the topic, under its key (the item id). */
  void add(String itemId, AuditedItem item) {
    read++;
    ClassifiedItem verdict = item.getVerdict();
    ShadowVerdict shadow = verdict.getShadow();
    if (activeVersion.equals(verdict.getModelVersion()) && shadow != null
        && candidateVersion.equals(shadow.getModelVersion())) {
      latest.put(itemId, new PairedOutcome(item.getTrueLabel().ordinal(), verdict.getPredictedLabel().ordinal(),
          shadow.getPredictedLabel().ordinal()));
    } else {
      latest.remove(itemId);
    }
  }

  /** Audited records read, paired or not. */
  long read() {
    return read;
  }

  PairedEvidence evidence() {
    return PairedEvidence.of(latest.values(), FashionClass.values().length);
  }
}
