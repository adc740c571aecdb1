package io.fashionclassifier.learning;

import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.promotion.PairedEvidence;
import io.fashionclassifier.promotion.PromotionDecision;
import io.fashionclassifier.promotion.PromotionRule;
import io.fashionclassifier.schema.ClassEvidence;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.schema.PromotionEvidence;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The decision records of the learning loop (Avro ModelDecision), from what was decided and on which figures. */
final class Decisions {

  private Decisions() {}

  /** @param figures the paired evidence and rule behind the decision, or null when it rests on none */
  static ModelDecision record(Clock clock, ModelRepository repository, DecisionKind kind, String activeBundle,
      String activeVersion, String candidateBundle, String candidateVersion, String reason,
      PromotionDecision figures) {
    return ModelDecision.newBuilder()
        .setKind(kind)
        .setDecisionTime(clock.instant())
        .setRepository(repository.directory().toString())
        .setCandidateBundle(candidateBundle)
        .setCandidateVersion(candidateVersion)
        .setActiveBundle(activeBundle)
        .setActiveVersion(activeVersion)
        .setReason(reason)
        .setEvidence(figures == null ? null : evidence(figures))
        .build();
  }

  private static PromotionEvidence evidence(PromotionDecision decision) {
    PairedEvidence evidence = decision.evidence();
    PromotionRule rule = decision.rule();
    List<ClassEvidence> classes = new ArrayList<>(evidence.classes().size());
    FashionClass[] labels = FashionClass.values();
    for (PairedEvidence.ClassCounts counts : evidence.classes()) {
      classes.add(new ClassEvidence(labels[counts.label()], counts.items(), counts.activeCorrect(),
          counts.candidateCorrect()));
    }
    return PromotionEvidence.newBuilder()
        .setPairs(evidence.pairs())
        .setActiveCorrect(evidence.activeCorrect())
        .setCandidateCorrect(evidence.candidateCorrect())
        .setActiveOnlyCorrect(evidence.activeOnly())
        .setCandidateOnlyCorrect(evidence.candidateOnly())
        .setPValue(decision.pValue().doubleValue())
        .setSignificance(rule.significance())
        .setMinDisagreements(rule.minDisagreements())
        .setClassMargin(rule.classMargin())
        .setMinClassItems(rule.minClassItems())
        .setClasses(classes)
        .build();
  }
}
