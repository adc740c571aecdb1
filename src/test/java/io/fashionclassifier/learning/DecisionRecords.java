package io.fashionclassifier.learning;

import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.ModelDecision;
import java.time.Instant;

/** Decision records as {@code train --from-audits} and {@code model promote} write them, for the views' tests. */
public final class DecisionRecords {

  private DecisionRecords() {}

  /** A decision about candidate {@code bundle} against the active bundle {@code base}, without evidence. */
  public static ModelDecision decision(DecisionKind kind, Instant time, String bundle, String version,
      String reason) {
    return ModelDecision.newBuilder()
        .setKind(kind)
        .setDecisionTime(time)
        .setRepository("/models")
        .setCandidateBundle(bundle)
        .setCandidateVersion(version)
        .setActiveBundle("base")
        .setActiveVersion("0a1b2c3d")
        .setReason(reason)
        .build();
  }
}
