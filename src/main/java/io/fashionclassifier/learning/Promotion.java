package io.fashionclassifier.learning;

import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.promotion.PromotionDecision;
import io.fashionclassifier.promotion.PromotionRule;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@code model promote}: judges the shadowed candidate against the active model on the audited items both
 * classified ({@link PromotionRule}), and carries the decision out on the repository's pointers: the candidate
 * becomes active on PROMOTE, stops being shadowed on RETIRE, and stays shadowed on WAIT.
 */
public final class Promotion {

  /** The two bundles judged, by name in the repository and by version (what verdicts name). */
  public record Models(String activeBundle, String activeVersion, String candidateBundle, String candidateVersion) {}

  /**
   * @param auditedRead audited records read from the topic, paired or not
   * @param record the decision record to write, null on WAIT
   */
  public record Judgement(PromotionDecision decision, long auditedRead, ModelDecision record) {}

  private final Map<String, Object> clientConfig;
  private final Map<String, Object> serdeConfig;
  private final String auditedTopic;
  private final Duration readTimeout;
  private final Clock clock;

  public Promotion(Map<String, Object> clientConfig, Map<String, Object> serdeConfig, String auditedTopic,
      Duration readTimeout, Clock clock) {
    this.clientConfig = clientConfig;
    this.serdeConfig = serdeConfig;
    this.auditedTopic = auditedTopic;
    this.readTimeout = readTimeout;
    this.clock = clock;
  }

  /** Reads the audited items to the end of their topic and judges {@code models} by {@code rule}; moves nothing. */
  public Judgement judge(ModelRepository repository, Models models, PromotionRule rule) {
    ShadowPairs pairs = new ShadowPairs(models.activeVersion(), models.candidateVersion());
    try (SpecificAvroDeserializer<AuditedItem> values = new SpecificAvroDeserializer<>(AuditedItem.class)) {
      values.configure(serdeConfig, false);
      TopicReplay.read(clientConfig, auditedTopic, readTimeout, (key, value) -> {
        if (key != null && value != null) {
          pairs.add(key, values.deserialize(auditedTopic, value));
        }
      });
    }
    PromotionDecision decision = rule.decide(pairs.evidence());
    DecisionKind kind = switch (decision.outcome()) {
      case PROMOTE -> DecisionKind.PROMOTED;
      case RETIRE -> DecisionKind.RETIRED;
      case WAIT -> null;
    };
    ModelDecision record = kind == null ? null : Decisions.record(clock, repository, kind, models.activeBundle(),
        models.activeVersion(), models.candidateBundle(), models.candidateVersion(), decision.reason(), decision);
    return new Judgement(decision, pairs.read(), record);
  }

  /**
   * Moves the pointers as {@code decision} says, once more checking that they still name {@code models}: another
   * operator's move since the judgement makes the evidence about other models.
   */
  public static void apply(ModelRepository repository, Models models, PromotionDecision decision) {
    if (decision.outcome() == PromotionDecision.Outcome.WAIT) {
      return;
    }
    if (!repository.active().equals(Optional.of(models.activeBundle()))
        || !repository.shadow().equals(Optional.of(models.candidateBundle()))) {
      throw new ModelBundleException("the pointers of " + repository.directory() + " moved while the evidence was"
          + " read (active " + repository.active().orElse("none") + ", shadow " + repository.shadow().orElse("none")
          + "): nothing changed; run 'model promote' again");
    }
    if (decision.outcome() == PromotionDecision.Outcome.PROMOTE) {
      repository.activate(models.candidateBundle());
    } else {
      repository.stopShadow();
    }
  }
}
