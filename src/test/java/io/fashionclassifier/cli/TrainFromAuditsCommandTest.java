package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.learning.AuditedItemRecords;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import io.fashionclassifier.training.BundleTrainer;
import io.fashionclassifier.training.TrainingConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --from-audits} on the command line, against the real broker and registry. */
@ExtendWith(ApicurioRegistryExtension.class)
class TrainFromAuditsCommandTest {

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final KafkaBroker broker = KafkaBroker.shared();
  private final String registryUrl;

  @TempDir Path dir;

  TrainFromAuditsCommandTest(ApicurioRegistry registry) {
    this.registryUrl = registry.confluentUrl();
  }

  @Test
  void theCandidateIsBuiltShadowedAndBothStepsAreOnTheDecisionsTopicInOrder() throws Exception {
    FashionMnist data = FashionMnist.load(null);
    TrainingConfig quick = TrainingConfig.defaults(Architecture.MLP).withEpochs(1).withLimit(3_000)
        .withShowProgress(false);
    String activeVersion = new BundleTrainer(quick, new PrintStream(OutputStream.nullOutputStream()))
        .train(data, dir.resolve("base")).manifest().version();
    ModelRepository.at(dir).activate("base");
    String input = "images-" + run;
    String audited = "audited-" + run;
    String decisions = "decisions-" + run;
    List<String> ids = IntStream.range(0, 60).mapToObj(i -> "item-" + run + "-" + i).toList();
    AuditedItemRecords.publish(broker.bootstrapServers(), Map.of("schema.registry.url", registryUrl), input,
        audited, data.test(), ids, ids.size(), activeVersion);

    CommandRun result = CommandRun.execute("train", "--from-audits", "--models", dir.toString(), "--name",
        "candidate", "--shadow", "--epochs", "1", "--no-progress", "-b", broker.bootstrapServers(), "-r",
        registryUrl, "-D", ClassifierConfig.TOPIC_INPUT + "=" + input, "-D",
        ClassifierConfig.TOPIC_AUDITED + "=" + audited, "--decisions-topic", decisions);

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(ModelRepository.at(dir).shadow()).contains("candidate");
    String version;
    try (ModelBundle candidate = ModelBundle.load(dir.resolve("candidate"))) {
      version = candidate.version();
    }
    SpecificAvroDeserializer<ModelDecision> values = new SpecificAvroDeserializer<>(ModelDecision.class);
    values.configure(Map.of("schema.registry.url", registryUrl), false);
    List<ConsumerRecord<String, ModelDecision>> records = KafkaTestClients.readCommitted(
        broker.bootstrapServers(), decisions, values, read -> read.size() >= 2, Duration.ofSeconds(30),
        Duration.ofSeconds(1));
    assertThat(records).extracting(record -> record.value().getKind())
        .containsExactly(DecisionKind.CANDIDATE_BUILT, DecisionKind.SHADOWED);
    assertThat(records).allSatisfy(record -> assertThat(record.key()).isEqualTo(version));
    assertThat(records.get(0).value().getReason()).startsWith("fine-tuned from base on ");
  }

  @Test
  void withNoActiveBundleItSaysWhatToDoInOneLine() throws Exception {
    Files.createDirectories(dir.resolve("empty"));

    CommandRun result = CommandRun.execute("train", "--from-audits", "--models", dir.resolve("empty").toString(),
        "-b", broker.bootstrapServers(), "-r", registryUrl);

    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err().strip()).startsWith("error: no active bundle in ").doesNotContain("\n")
        .endsWith("name one with 'model activate NAME'");
  }
}
