package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.learning.DecisionLog;
import io.fashionclassifier.learning.Promotion;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.promotion.PairedEvidence;
import io.fashionclassifier.promotion.PromotionDecision;
import io.fashionclassifier.promotion.PromotionRule;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code model promote}: the shadowed candidate replaces the active model, or is retired, on the audits' evidence. */
@Command(name = "promote", header = "Promote or retire the shadow model on audit evidence.",
    mixinStandardHelpOptions = true,
    description = "Reads the audited items (fashion.topic.audited) to the end of the topic, pairs the active and the "
        + "shadow model's labels on the items both classified, and judges them by McNemar's exact test with a per-class"
        + " guard (docs/continuous-learning.md). PROMOTE makes the shadow the active model, RETIRE stops shadowing it,"
        + " WAIT (too few disagreements yet) changes nothing. PROMOTE and RETIRE are written to the decisions topic.")
final class PromoteCommand implements Runnable {

  @Spec CommandSpec spec;
  @Mixin ModelCommand.RepositoryOption repository;
  @Mixin ClusterOptions cluster;
  @Mixin ModelCommand.WaitOption waiting;

  @Option(names = "--decisions-topic", defaultValue = DecisionLog.DEFAULT_TOPIC, paramLabel = "TOPIC",
      description = "Topic of the decision records (Avro ModelDecision), created with one partition when missing"
          + " and fashion.topics.create allows it (default ${DEFAULT-VALUE}).")
  String decisionsTopic;

  @Option(names = "--significance", defaultValue = "" + PromotionRule.DEFAULT_SIGNIFICANCE, paramLabel = "ALPHA",
      description = "McNemar's exact p-value must be below this to promote (default ${DEFAULT-VALUE}).")
  double significance;

  @Option(names = "--min-disagreements", defaultValue = "" + PromotionRule.DEFAULT_MIN_DISAGREEMENTS,
      paramLabel = "N", description = "Items only one of the two models got right needed before judging; fewer:"
          + " WAIT (default ${DEFAULT-VALUE}).")
  int minDisagreements;

  @Option(names = "--class-margin", defaultValue = "" + PromotionRule.DEFAULT_CLASS_MARGIN, paramLabel = "X",
      description = "Never promote a candidate whose accuracy on a judged class is more than this below the active"
          + " model's, 0-1 (default ${DEFAULT-VALUE}).")
  double classMargin;

  @Option(names = "--min-class-items", defaultValue = "" + PromotionRule.DEFAULT_MIN_CLASS_ITEMS, paramLabel = "N",
      description = "Paired audited items a class needs to be judged by the margin (default ${DEFAULT-VALUE}).")
  int minClassItems;

  @Option(names = "--read-timeout", defaultValue = "2m", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "How long reading the audited items to the end of their topic may take (default"
          + " ${DEFAULT-VALUE}).")
  Duration readTimeout;

  @Option(names = "--dry-run", description = "Judge and print, but move no pointer and write no decision record.")
  boolean dryRun;

  @Override
  public void run() {
    PromotionRule rule;
    try {
      rule = new PromotionRule(significance, minDisagreements, classMargin, minClassItems);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage() + ": fix --significance, --min-disagreements, --class-margin or"
          + " --min-class-items");
    }
    ModelRepository models = repository.open();
    String active = models.active().orElseThrow(() -> new UserError("no active bundle in " + models.directory()
        + ": name one with 'model activate NAME'"));
    String candidate = models.shadow().orElseThrow(() -> new UserError("nothing is shadowed in "
        + models.directory() + ": shadow a candidate first ('model shadow NAME')"));
    Promotion.Models judged = new Promotion.Models(active, ModelCommand.check(models, active), candidate,
        ModelCommand.check(models, candidate));
    ClassifierConfig config = cluster.load(Map.of());
    String audited = config.setting(ClassifierConfig.TOPIC_AUDITED);
    Promotion promotion = new Promotion(config.clientConfig(), config.serdeConfig(), audited, readTimeout,
        Clock.systemUTC());
    PrintWriter out = spec.commandLine().getOut();
    try (DecisionLog log = new DecisionLog(config.clientConfig(), config.serdeConfig(), decisionsTopic,
        Duration.ofSeconds(30))) {
      Promotion.Judgement judgement;
      try {
        judgement = promotion.judge(models, judged, rule);
      } catch (KafkaException e) {
        throw new UserError("cannot read the audited items from " + audited + " on " + config.bootstrapServers()
            + ": " + e.getMessage() + " (check --bootstrap-servers, and that the classifier runs with"
            + " fashion.audits.enabled=true)", e);
      }
      PromotionDecision decision = judgement.decision();
      print(out, judged, judgement);
      if (dryRun) {
        out.println("dry run: no pointer moved, no decision written");
        out.flush();
        return;
      }
      ModelCommand.pointing(() -> {
        Promotion.apply(models, judged, decision);
        return null;
      });
      switch (decision.outcome()) {
        case PROMOTE -> out.printf("active: %s (version %s), previous: %s%n", candidate,
            judged.candidateVersion(), active);
        case RETIRE -> out.printf("shadowing of %s stopped%n", candidate);
        case WAIT -> out.println("nothing moved: the candidate stays shadowed");
      }
      if (judgement.record() != null) {
        try {
          log.ensureTopic(config.createTopics(), replication(config));
          log.write(judgement.record());
        } catch (KafkaException e) {
          throw new UserError("the pointers moved, but the decision record was not written to " + decisionsTopic
              + ": " + e.getMessage() + " (the decision above is the record)", e);
        }
        out.printf("decision written to %s%n", decisionsTopic);
      }
      out.flush();
      if (decision.outcome() == PromotionDecision.Outcome.PROMOTE) {
        ModelCommand.confirm(models, ModelRepository.ACTIVE, candidate, judged.candidateVersion(), waiting.wait,
            out);
        out.flush();
      }
    }
  }

  private static Optional<Short> replication(ClassifierConfig config) {
    short replication = config.topicReplication();
    return replication < 0 ? Optional.empty() : Optional.of(replication);
  }

  private static void print(PrintWriter out, Promotion.Models judged, Promotion.Judgement judgement) {
    PromotionDecision decision = judgement.decision();
    PairedEvidence evidence = decision.evidence();
    out.printf(Locale.ROOT, "%s %s against active %s: %s%n", decision.outcome(), judged.candidateBundle(),
        judged.activeBundle(), decision.reason());
    out.printf(Locale.ROOT, "paired audited items: %d (of %d audited records read); right: active %d, candidate %d%n",
        evidence.pairs(), judgement.auditedRead(), evidence.activeCorrect(), evidence.candidateCorrect());
    out.printf(Locale.ROOT, "%-12s %7s %7s %9s%n", "class", "items", "active", "candidate");
    for (PairedEvidence.ClassCounts counts : evidence.classes()) {
      out.printf(Locale.ROOT, "%-12s %7d %7d %9d%s%n", FashionMnist.CLASS_NAMES.get(counts.label()), counts.items(),
          counts.activeCorrect(), counts.candidateCorrect(),
          counts.items() >= decision.rule().minClassItems() ? "" : "  (too few to judge)");
    }
  }
}
