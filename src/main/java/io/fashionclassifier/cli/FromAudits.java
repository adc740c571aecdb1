package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.learning.CandidateBuilder;
import io.fashionclassifier.learning.DecisionLog;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.training.TrainingConfig;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of {@code train --from-audits}: a candidate fine-tuned from the active bundle on the audits. */
final class FromAudits {

  private static final DateTimeFormatter NAMES =
      DateTimeFormatter.ofPattern("'audits-'yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  @Option(names = "--from-audits",
      description = "Build a candidate from the active bundle of --models instead: fine-tune it on the audited"
          + " items (fashion.topic.audited, their images from fashion.topic.input) mixed with a replay of the"
          + " training images, holding out --held-out of the audited items it never trains on"
          + " (docs/continuous-learning.md). Fine-tuning defaults: " + CandidateBuilder.DEFAULT_EPOCHS + " epochs, "
          + CandidateBuilder.LEARNING_RATE_SHARE + " times the architecture's learning rate, the steps schedule;"
          + " --arch and --out do not apply.")
  boolean fromAudits;

  @Mixin ModelCommand.RepositoryOption repository;
  @Mixin ClusterOptions cluster;

  @Option(names = "--name", paramLabel = "NAME",
      description = "With --from-audits: the candidate's bundle name in the repository (default: audits- and the"
          + " UTC time).")
  String name;

  @Option(names = "--shadow", description = "With --from-audits: make the candidate the shadow model once built.")
  boolean shadow;

  @Option(names = "--held-out", defaultValue = "" + CandidateBuilder.DEFAULT_HELD_OUT, paramLabel = "SHARE",
      description = "With --from-audits: share of the audited items, chosen by a hash of the item id, that no"
          + " candidate trains on; both models are measured on them (default ${DEFAULT-VALUE}).")
  double heldOut;

  @Option(names = "--replay", defaultValue = "" + CandidateBuilder.DEFAULT_REPLAY_RATIO, paramLabel = "N",
      description = "With --from-audits: original training images replayed per audited training item, at least "
          + CandidateBuilder.MIN_REPLAY + " in all (default ${DEFAULT-VALUE}).")
  int replay;

  @Option(names = "--read-timeout", defaultValue = "2m", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "With --from-audits: how long reading each topic to its end may take (default ${DEFAULT-VALUE}).")
  Duration readTimeout;

  @Option(names = "--decisions-topic", defaultValue = DecisionLog.DEFAULT_TOPIC, paramLabel = "TOPIC",
      description = "With --from-audits: topic of the decision records (CANDIDATE_BUILT, SHADOWED) (default"
          + " ${DEFAULT-VALUE}).")
  String decisionsTopic;

  void run(TrainCommand train) {
    if (!(heldOut >= 0 && heldOut < 1) || replay < 0) {
      throw new UserError("--held-out must be at least 0 and below 1, and --replay at least 0");
    }
    ModelRepository models = repository.open();
    String active = models.active().orElseThrow(() -> new UserError("no active bundle in " + models.directory()
        + ": name one with 'model activate NAME'"));
    Architecture architecture = ModelCommand.pointing(() -> models.list().stream()
        .filter(entry -> entry.name().equals(active) && entry.manifest() != null)
        .findFirst()
        .map(entry -> Architecture.fromId(entry.manifest().architecture()))
        .orElseThrow(() -> new ModelBundleException("active bundle " + active + " has no readable manifest")));
    TrainingConfig config = train.config(CandidateBuilder.fineTuningDefaults(TrainingConfig.defaults(architecture)));
    ClassifierConfig settings = cluster.load(Map.of());
    String bundleName = name != null ? name : NAMES.format(Clock.systemUTC().instant());
    FashionMnist dataset = train.data.load();
    CandidateBuilder.Built built;
    try {
      built = new CandidateBuilder(settings.clientConfig(), settings.serdeConfig(), Clock.systemUTC(), System.out)
          .build(models, dataset, config, new CandidateBuilder.Settings(
              settings.setting(ClassifierConfig.TOPIC_AUDITED), settings.inputTopic(), heldOut, replay, readTimeout,
              bundleName, shadow));
    } catch (KafkaException e) {
      throw new UserError("cannot read the audits on " + settings.bootstrapServers() + ": " + e.getMessage()
          + " (check --bootstrap-servers, and that the classifier runs with fashion.audits.enabled=true)", e);
    } catch (ModelBundleException | UncheckedIOException e) {
      throw new UserError(e.getMessage(), e);
    }
    try (DecisionLog log = new DecisionLog(settings.clientConfig(), settings.serdeConfig(), decisionsTopic,
        Duration.ofSeconds(30))) {
      log.ensureTopic(settings.createTopics(), settings.topicReplication() < 0 ? Optional.empty()
          : Optional.of(settings.topicReplication()));
      for (ModelDecision record : built.records()) {
        log.write(record);
        System.out.printf("%s %s: %s%n", record.getKind(), record.getCandidateBundle(), record.getReason());
      }
    } catch (KafkaException e) {
      throw new UserError("the candidate " + built.bundle() + " is built" + (shadow ? " and shadowed" : "")
          + ", but its decision records were not written to " + decisionsTopic + ": " + e.getMessage(), e);
    }
    System.out.flush();
  }
}
