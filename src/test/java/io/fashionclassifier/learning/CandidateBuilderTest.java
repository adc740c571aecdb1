package io.fashionclassifier.learning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.training.BundleTrainer;
import io.fashionclassifier.training.TrainingConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --from-audits}' builder against the real broker and registry: audited items on the audited topic,
 * their images on the input topic, a small trained active bundle, and a candidate fine-tuned for one epoch.
 */
@ExtendWith(ApicurioRegistryExtension.class)
class CandidateBuilderTest {

  private static final int ITEMS = 100;
  private static final int WITHOUT_IMAGE = 5;
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final KafkaBroker broker = KafkaBroker.shared();
  private final String inputTopic = "images-" + run;
  private final String auditedTopic = "audited-" + run;
  private final Map<String, Object> serdeConfig;

  @TempDir Path dir;

  CandidateBuilderTest(ApicurioRegistry registry) {
    this.serdeConfig = Map.of("schema.registry.url", registry.confluentUrl());
  }

  @Test
  void aCandidateIsFineTunedOnTheAuditedItemsItMayTrainOnAndShadowed() throws Exception {
    FashionMnist data = FashionMnist.load(null);
    TrainingConfig quick = TrainingConfig.defaults(Architecture.MLP).withEpochs(1).withLimit(3_000)
        .withShowProgress(false);
    String activeVersion = new BundleTrainer(quick, QUIET).train(data, dir.resolve("base")).manifest().version();
    ModelRepository repository = ModelRepository.at(dir);
    repository.activate("base");
    List<String> ids = IntStream.range(0, ITEMS + WITHOUT_IMAGE).mapToObj(this::id).toList();
    AuditedItemRecords.publish(broker.bootstrapServers(), serdeConfig, inputTopic, auditedTopic, data.test(), ids,
        ITEMS, activeVersion);

    TrainingConfig config = CandidateBuilder.fineTuningDefaults(TrainingConfig.defaults(Architecture.MLP))
        .withEpochs(1).withShowProgress(false);
    CandidateBuilder.Built built = new CandidateBuilder(Map.of("bootstrap.servers", broker.bootstrapServers()),
        serdeConfig, Clock.systemUTC(), QUIET).build(repository, data, config, new CandidateBuilder.Settings(
            auditedTopic, inputTopic, 0.2, 4, Duration.ofMinutes(1), "candidate", true));

    HoldOut holdOut = new HoldOut(0.2);
    long heldOut = 0;
    for (int i = 0; i < ITEMS; i++) {
      heldOut += holdOut.heldOut(id(i)) ? 1 : 0;
    }
    assertThat(built.audited()).isEqualTo(ITEMS + WITHOUT_IMAGE);
    assertThat(built.withoutImage()).isEqualTo(WITHOUT_IMAGE);
    assertThat(built.trainedOn()).as("every audited item with an image but the held-out ones")
        .isEqualTo(ITEMS - heldOut);
    assertThat(built.heldOutEvidence().pairs()).isEqualTo(heldOut);
    assertThat(built.replayed()).isEqualTo(CandidateBuilder.MIN_REPLAY);
    Manifest manifest;
    try (ModelBundle candidate = ModelBundle.load(dir.resolve("candidate"))) {
      manifest = candidate.manifest();
    }
    assertThat(manifest.training()).containsEntry("fine_tuned_from", activeVersion)
        .containsEntry("audited_held_out", (int) heldOut);
    assertThat(repository.shadow()).contains("candidate");
    assertThat(repository.active()).contains("base");
    assertThat(built.records()).extracting(ModelDecision::getKind)
        .containsExactly(DecisionKind.CANDIDATE_BUILT, DecisionKind.SHADOWED);
    assertThat(built.records().get(0).getEvidence().getPairs()).isEqualTo(heldOut);
    assertThat(built.records()).allSatisfy(record -> assertThat(record.getCandidateVersion())
        .isEqualTo(manifest.version()));
  }

  private String id(int index) {
    return "item-" + run + "-" + index;
  }
}
