package io.fashionclassifier.cli;

import static io.fashionclassifier.learning.AuditedItemRecords.audited;
import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.local.KafkaBroker;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.promotion.McNemar;
import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.schema.PromotionEvidence;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.streaming.KafkaTestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model promote} against the real broker and the real registry: audited items carrying both models' labels
 * on the audited topic, a repository of real bundles, and the decision on the pointers and the decisions topic.
 */
@ExtendWith(ApicurioRegistryExtension.class)
class PromoteCommandTest {

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final KafkaBroker broker = KafkaBroker.shared();
  private final String auditedTopic = "audited-" + run;
  private final String decisionsTopic = "decisions-" + run;
  private final String registryUrl;
  private final List<AuditedItem> items = new ArrayList<>();
  private String active;
  private String candidate;

  @TempDir Path dir;

  PromoteCommandTest(ApicurioRegistry registry) {
    this.registryUrl = registry.confluentUrl();
  }

  @BeforeEach
  void anActiveModelAndAShadowedCandidate() {
    active = RandomBundles.save(dir.resolve("one"));
    candidate = RandomBundles.save(dir.resolve("two"));
    ModelRepository repository = ModelRepository.at(dir);
    repository.activate("one");
    repository.shadow("two");
  }

  /** {@code count} audited items of class {@code truth}, each model right or wrong as given. */
  private void audits(int count, FashionClass truth, boolean activeRight, boolean candidateRight) {
    FashionClass wrong = FashionClass.values()[(truth.ordinal() + 1) % 10];
    for (int i = 0; i < count; i++) {
      String id = "item-" + run + "-" + items.size();
      items.add(audited(id, active, activeRight ? truth : wrong, candidate, candidateRight ? truth : wrong, truth));
    }
  }

  private void send() throws Exception {
    SpecificAvroSerializer<AuditedItem> values = new SpecificAvroSerializer<>();
    values.configure(Map.of(ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl), false);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
        new StringSerializer(), new ByteArraySerializer())) {
      for (AuditedItem item : items) {
        String id = item.getVerdict().getItemId();
        producer.send(new ProducerRecord<>(auditedTopic, id, values.serialize(auditedTopic, item))).get();
      }
    }
  }

  private CommandRun promote() {
    return CommandRun.execute("model", "promote", "--models", dir.toString(), "-b", broker.bootstrapServers(),
        "-r", registryUrl, "-D", ClassifierConfig.TOPIC_AUDITED + "=" + auditedTopic,
        "--decisions-topic", decisionsTopic, "--min-disagreements", "20", "--wait", "0");
  }

  private ModelDecision decision() {
    SpecificAvroDeserializer<ModelDecision> values = new SpecificAvroDeserializer<>(ModelDecision.class);
    values.configure(Map.of(ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl), false);
    List<ConsumerRecord<String, ModelDecision>> records = KafkaTestClients.readCommitted(broker.bootstrapServers(),
        decisionsTopic, values, read -> !read.isEmpty(), Duration.ofSeconds(30), Duration.ofSeconds(1));
    assertThat(records).hasSize(1);
    assertThat(records.get(0).key()).isEqualTo(candidate);
    return records.get(0).value();
  }

  @Test
  void aCandidateBetterOnTheEvidenceBecomesActiveAndThePromotionIsRecorded() throws Exception {
    audits(10, FashionClass.COAT, true, true);
    audits(2, FashionClass.BAG, true, false);
    audits(18, FashionClass.SANDAL, false, true);
    // audited items of the active model alone (before the shadow ran) are no evidence
    for (int i = 0; i < 5; i++) {
      items.add(audited("solo-" + run + "-" + i, active, FashionClass.BAG, null, null, FashionClass.COAT));
    }
    send();

    CommandRun result = promote();

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.out()).startsWith("PROMOTE two against active one: better: 20 disagreements")
        .contains("paired audited items: 30 (of 35 audited records read)")
        .contains("active: two (version " + candidate + "), previous: one");
    ModelRepository repository = ModelRepository.at(dir);
    assertThat(repository.active()).contains("two");
    assertThat(repository.previous()).contains("one");
    assertThat(repository.shadow()).isEmpty();
    ModelDecision decision = decision();
    assertThat(decision.getKind()).isEqualTo(DecisionKind.PROMOTED);
    assertThat(decision.getActiveVersion()).isEqualTo(active);
    assertThat(decision.getCandidateBundle()).isEqualTo("two");
    PromotionEvidence evidence = decision.getEvidence();
    assertThat(evidence.getPairs()).isEqualTo(30);
    assertThat(evidence.getActiveOnlyCorrect()).isEqualTo(2);
    assertThat(evidence.getCandidateOnlyCorrect()).isEqualTo(18);
    assertThat(evidence.getPValue()).isEqualTo(McNemar.exactPValue(2, 18).doubleValue());
    assertThat(evidence.getClasses().get(FashionClass.SANDAL.ordinal()).getCandidateCorrect()).isEqualTo(18);
  }

  @Test
  void aCandidateWorseOnTheEvidenceIsRetiredAndTheActiveModelStays() throws Exception {
    audits(15, FashionClass.BAG, true, false);
    audits(5, FashionClass.SANDAL, false, true);
    send();

    CommandRun result = promote();

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.out()).startsWith("RETIRE two against active one: not better: 20 disagreements")
        .contains("shadowing of two stopped");
    ModelRepository repository = ModelRepository.at(dir);
    assertThat(repository.active()).contains("one");
    assertThat(repository.shadow()).isEmpty();
    assertThat(decision().getKind()).isEqualTo(DecisionKind.RETIRED);
  }

  @Test
  void tooFewDisagreementsMoveNothingAndRecordNothing() throws Exception {
    audits(10, FashionClass.COAT, true, true);
    audits(19, FashionClass.SANDAL, false, true);
    send();

    CommandRun result = promote();

    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(result.out()).startsWith("WAIT two against active one: 19 disagreements")
        .contains("nothing moved");
    ModelRepository repository = ModelRepository.at(dir);
    assertThat(repository.active()).contains("one");
    assertThat(repository.shadow()).contains("two");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      assertThat(admin.listTopics().names().get()).as("no decision, so no decisions topic")
          .doesNotContain(decisionsTopic);
    }
  }

  @Test
  void withNothingShadowedItSaysWhatToDoInOneLine() {
    ModelRepository.at(dir).stopShadow();

    CommandRun result = promote();

    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err().strip()).startsWith("error: nothing is shadowed in").doesNotContain("\n")
        .endsWith("shadow a candidate first ('model shadow NAME')");
    assertThat(ModelRepository.at(dir).active()).contains("one");
  }
}
