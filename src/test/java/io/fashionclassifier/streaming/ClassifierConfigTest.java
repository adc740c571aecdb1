package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierConfigTest {

  @Test
  void flipTestTimeAugmentationFollowsTheBundleUnlessForced() {
    assertThat(ClassifierConfig.of(Map.of()).flipTta()).isEmpty();
    assertThat(ClassifierConfig.of(Map.of(ClassifierConfig.MODEL_FLIP_TTA, "false")).flipTta()).contains(false);
    assertThat(ClassifierConfig.load(null, Map.of("FASHION_MODEL_FLIP_TTA", "TRUE"), Map.of()).flipTta())
        .contains(true);
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(ClassifierConfig.MODEL_FLIP_TTA, "maybe")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ClassifierConfig.MODEL_FLIP_TTA);
  }

  @Test
  void aStopLeavesTheGroupUnlessTheMemberIsStaticOrTheSettingSaysOtherwise() {
    assertThat(ClassifierConfig.of(Map.of()).leaveGroupOnShutdown()).as("dynamic member, auto").isTrue();
    assertThat(ClassifierConfig.load(null, Map.of("KAFKA_GROUP_INSTANCE_ID", "classifier-0"), Map.of())
        .leaveGroupOnShutdown()).as("static member (the chart's KAFKA_GROUP_INSTANCE_ID), auto").isFalse();
    assertThat(ClassifierConfig.of(Map.of("main.consumer.group.instance.id", "classifier-0")).leaveGroupOnShutdown())
        .as("static main consumer, auto").isFalse();
    assertThat(ClassifierConfig.of(Map.of("consumer.group.instance.id", "classifier-0")).leaveGroupOnShutdown())
        .as("static consumers, auto").isFalse();
    assertThat(ClassifierConfig.of(Map.of("group.instance.id", "classifier-0",
        ClassifierConfig.SHUTDOWN_LEAVE_GROUP, "TRUE")).leaveGroupOnShutdown()).as("static, forced").isTrue();
    assertThat(ClassifierConfig.load(null, Map.of("FASHION_SHUTDOWN_LEAVE_GROUP", "false"), Map.of())
        .leaveGroupOnShutdown()).as("dynamic, told to stay").isFalse();
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(ClassifierConfig.SHUTDOWN_LEAVE_GROUP, "sometimes")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(ClassifierConfig.SHUTDOWN_LEAVE_GROUP);
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    ClassifierConfig config = ClassifierConfig.of(Map.of());
    assertThat(config.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(config.applicationId()).isEqualTo("fashion-classifier");
    assertThat(config.inputTopic()).isEqualTo("inventory-images");
    assertThat(config.classifiedTopic()).isEqualTo("classified-items");
    assertThat(config.aggregatesTopic()).isEqualTo("accuracy-aggregates");
    assertThat(config.deadLetterTopic()).isEqualTo("inventory-dlq");
    assertThat(config.batchSize()).isEqualTo(64);
    assertThat(config.maxBatchWait()).isEqualTo(Duration.ofMillis(10));
    assertThat(config.topologySettings().commitPartialBatches()).isTrue();
    assertThat(config.window()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.windowGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.createTopics()).isTrue();
    assertThat(config.streamsProperties())
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
        .containsEntry(StreamsConfig.POLL_MS_CONFIG, "5")
        .containsEntry(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "inventory-dlq")
        .containsEntry(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetters.ProcessingHandler.class);
  }

  @Test
  void fileThenEnvironmentThenOverridesEachWin(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("stream.properties");
    Files.writeString(file, "bootstrap.servers=file:9092\nfashion.batch.size=8\nfashion.topic.dlq=file-dlq\n");
    ClassifierConfig config = ClassifierConfig.load(file,
        Map.of("FASHION_BATCH_SIZE", "16", "FASHION_TOPIC_DLQ", "env-dlq"),
        Map.of(ClassifierConfig.TOPIC_DLQ, "option-dlq"));
    assertThat(config.bootstrapServers()).isEqualTo("file:9092");
    assertThat(config.batchSize()).isEqualTo(16);
    assertThat(config.deadLetterTopic()).isEqualTo("option-dlq");
  }

  @Test
  void kafkaEnvironmentVariablesAndUnknownKeysPassThroughToKafkaAndNotTheClassifierKeys() {
    ClassifierConfig config = ClassifierConfig.load(null,
        Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "PLAIN",
            "FASHION_BOOTSTRAP_SERVERS", "broker:9093", "FASHION_SCHEMA_REGISTRY_USER_INFO", "me:secret"),
        Map.of("ssl.truststore.location", "/etc/kafka/truststore.jks"));
    Properties streams = config.streamsProperties();
    assertThat(streams)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "PLAIN")
        .containsEntry("bootstrap.servers", "broker:9093")
        .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.jks");
    assertThat(streams.stringPropertyNames()).noneMatch(key -> key.startsWith("fashion."));
    assertThat(config.serdeConfig())
        .containsEntry("basic.auth.user.info", "me:secret")
        .containsEntry("basic.auth.credentials.source", "USER_INFO");
    assertThat(config.toString()).doesNotContain("secret");
  }

  @Test
  void aMalformedNumberIsRejectedNamingItsKey() {
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(ClassifierConfig.BATCH_SIZE, "lots")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fashion.batch.size (env FASHION_BATCH_SIZE) must be a whole number, not 'lots'");
  }

  @Test
  void aNegativeWindowGraceIsRejectedNamingItsKey() {
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(ClassifierConfig.AGGREGATES_GRACE_MS, "-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fashion.aggregates.grace.ms (env FASHION_AGGREGATES_GRACE_MS) is '-1'; valid values: [0,...]");
  }

  @Test
  void everyBadValueIsReportedAtOnceOneLineEach() {
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(
            ClassifierConfig.BATCH_SIZE, "0",
            ClassifierConfig.HTTP_PORT, "70000",
            "fashion.batch.sise", "8")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(String.join("\n",
            "fashion.batch.size (env FASHION_BATCH_SIZE) is '0'; valid values: [1,...,1024]",
            "fashion.http.port (env FASHION_HTTP_PORT) is '70000'; valid values: [0,...,65535]",
            "fashion.batch.sise: no such setting (the fashion.* settings are listed in docs/stream-classifier.md)"));
  }

  @Test
  void aMalformedSwitchIsRejectedNamingItsKey() {
    assertThatThrownBy(() -> ClassifierConfig.load(null, Map.of("FASHION_TOPICS_CREATE", "yes"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fashion.topics.create (env FASHION_TOPICS_CREATE) must be true or false, not 'yes'");
  }

  @Test
  void aValueOutsideAListOfChoicesIsRejectedWithTheChoices() {
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once")))
        .hasMessage("processing.guarantee (env FASHION_PROCESSING_GUARANTEE) is 'exactly_once'; valid values: "
            + "[exactly_once_v2, at_least_once]");
  }

  @Test
  void aSettingThatCannotBeParsedIsReportedWithTheOthersAndTheConflictChecksWait() {
    assertThatThrownBy(() -> ClassifierConfig.load(null, Map.of("FASHION_STREAM_THREADS", "two"),
            Map.of(ClassifierConfig.TOPICS_REPLICATION, "0")))
        .hasMessage(String.join("\n",
            "num.stream.threads (env FASHION_STREAM_THREADS) must be a whole number, not 'two'",
            "fashion.topics.replication (env FASHION_TOPICS_REPLICATION) is '0'; valid values: -1 or [1,...]"));
  }

  @Test
  void anInputRecordBoundTheProducerCannotSendIsRejected() {
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(
            ClassifierConfig.INPUT_MAX_RECORD_BYTES, "65536", "producer.max.request.size", "70000")))
        .hasMessage("fashion.input.max.record.bytes=65536 needs a producer max.request.size of at least "
            + (65536 + ClassifierConfig.INPUT_RECORD_HEADROOM) + " (it is 70000): lower the one or raise the other");
  }

  @Test
  void theTypedGettersReadTheSettingsGiven() {
    ClassifierConfig config = ClassifierConfig.load(null, Map.of(
            "FASHION_BOOTSTRAP_SERVERS", "a:9092, b:9092",
            "FASHION_TOPICS_REPLICATION", "3",
            "FASHION_AGGREGATES_MAX_KEYS", "7",
            "FASHION_AGGREGATES_MAX_FUTURE_SKEW_MS", "2500",
            "FASHION_BATCH_COMMIT_PARTIAL", "false",
            "FASHION_LIVENESS_STALL_MS", "90000",
            "FASHION_HTTP_BIND_ADDRESS", "127.0.0.1"),
        Map.of());
    assertThat(config.bootstrapServers()).isEqualTo("a:9092,b:9092");
    assertThat(config.topicReplication()).isEqualTo((short) 3);
    assertThat(config.maxKeysPerScope()).isEqualTo(7);
    assertThat(config.maxFutureSkew()).isEqualTo(Duration.ofMillis(2500));
    assertThat(config.commitPartialBatches()).isFalse();
    assertThat(config.livenessStall()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.httpBindAddress()).isEqualTo("127.0.0.1");
    assertThat(config.topologySettings())
        .extracting(ClassifierTopology.Settings::maxKeysPerScope, ClassifierTopology.Settings::maxFutureSkew,
            ClassifierTopology.Settings::commitPartialBatches)
        .containsExactly(7, Duration.ofMillis(2500), false);
  }

  @Test
  void anUnderscoreInAPassedThroughKeyIsADoubleUnderscoreInItsVariable() {
    ClassifierConfig config = ClassifierConfig.load(null, Map.of(
            "KAFKA_EXAMPLE_CUSTOM__KEY", "kafka",
            "SCHEMA_REGISTRY_EXAMPLE__KEY", "registry"),
        Map.of());
    assertThat(config.streamsProperties())
        .containsEntry("example.custom_key", "kafka")
        .containsEntry("schema.registry.example_key", "registry");
  }

  @Test
  void aBatchTooLargeToFinishInsideTheTransactionIsRejected() {
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(ClassifierConfig.BATCH_SIZE, "100000")))
        .hasMessageContaining("valid values: [1,...," + ClassifierConfig.MAX_BATCH_SIZE + "]");
  }

  @Test
  void theExceptionHandlersTheOutagePolicyDependsOnCannotBeReplaced() {
    assertThatThrownBy(() -> ClassifierConfig.of(Map.of(
            StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, "com.example.LogAndContinue")))
        .hasMessage("processing.exception.handler: set by the classifier (dead letters and the registry-outage "
            + "policy); remove it");
  }

  @Test
  void severalStreamThreadsNeedMxnetsNaiveEngine() {
    assertThatThrownBy(() -> ClassifierConfig.load(null, Map.of("FASHION_STREAM_THREADS", "2"), Map.of()))
        .hasMessageContaining("MXNET_ENGINE_TYPE=NaiveEngine");
    assertThat(ClassifierConfig.load(null,
            Map.of("FASHION_STREAM_THREADS", "2", "MXNET_ENGINE_TYPE", "NaiveEngine"), Map.of())
        .streamsProperties()).containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2");
  }

  @Test
  void plainClientsGetTheClientSettingsNotTheStreamsOnes() {
    ClassifierConfig config = ClassifierConfig.of(Map.of(
        "security.protocol", "SASL_SSL", "commit.interval.ms", "200", "processing.guarantee", "at_least_once"));
    assertThat(config.clientConfig())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("bootstrap.servers", "localhost:9092")
        .doesNotContainKeys("commit.interval.ms", "processing.guarantee", "schema.registry.url");
  }

  @Test
  void everyNamedSettingHasItsEnvironmentVariable() {
    assertThat(ClassifierConfig.environmentNames())
        .containsEntry("FASHION_BOOTSTRAP_SERVERS", "bootstrap.servers")
        .containsEntry("FASHION_STREAM_THREADS", "num.stream.threads")
        .containsEntry("FASHION_SCHEMA_REGISTRY_USER_INFO", "basic.auth.user.info")
        .containsEntry("FASHION_SHUTDOWN_TIMEOUT_MS", ClassifierConfig.SHUTDOWN_TIMEOUT_MS)
        .hasSize(ClassifierConfig.DEFINITION.names().size());
  }

  @Test
  void everyNamedSettingIsReadFromItsEnvironmentVariable() {
    Map<String, String> defaults = ClassifierConfig.defaults();
    ClassifierConfig.environmentNames().forEach((variable, key) -> {
      if (defaults.containsKey(key)) {
        assertThat(ClassifierConfig.fromEnvironment(Map.of(variable, defaults.get(key)))).as(variable)
            .containsEntry(key, defaults.get(key));
      }
    });
  }

  @Test
  void theSettingsTableInTheDocsIsTheOneGeneratedFromTheDefinition() throws Exception {
    Path doc = Path.of("docs/stream-classifier.md");
    String text = Files.readString(doc);
    String start = "<!-- settings table: generated from ClassifierConfig.DEFINITION -->\n";
    String end = "<!-- end of settings table -->";
    String generated = ClassifierConfig.markdownTable();
    if (Boolean.getBoolean("fashion.docs.update")) {
      Files.writeString(doc, text.substring(0, text.indexOf(start) + start.length()) + generated
          + text.substring(text.indexOf(end)));
      text = Files.readString(doc);
    }
    assertThat(text.substring(text.indexOf(start) + start.length(), text.indexOf(end)))
        .as("docs/stream-classifier.md is stale: run the tests with -Dfashion.docs.update=true")
        .isEqualTo(generated);
  }
}
