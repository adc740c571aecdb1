package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.HealthKind;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.schema.AggregateScope;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.serde.AvroSerializationException;
import io.fashionclassifier.serde.SchemaRegistryAccessException;
import io.fashionclassifier.serde.SchemaRegistryException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the schema registry takes the classifier's output schemas (verdicts and accuracy figures), checked at
 * start by serializing one record of each as the topology will: a subject that refuses them (an incompatible
 * version under its compatibility rule, read-only, no schema while auto-registration is off, credentials it does
 * not accept) would otherwise be met by the first batch and hold up every record. A registry that does not answer
 * is not a refusal: the start goes on, and the stream waits it out as any outage.
 */
final class OutputSubjectCheck {

  private static final Logger log = LoggerFactory.getLogger(OutputSubjectCheck.class);

  private OutputSubjectCheck() {}

  /**
   * Serializes a sample verdict and a sample figure with the topology's own serializers (which keep the ids they
   * resolve, so the first batch need not ask again).
   *
   * @throws StreamingException naming the subject and the fix when the registry refuses a schema
   */
  static void verify(ClassifierTopology.AvroSerdes serdes, String classifiedTopic, String aggregatesTopic) {
    // a registry that does not answer the first will not answer the second: the start need not wait twice
    if (check(serdes.classifiedItems().serializer(), classifiedTopic, sampleVerdict())) {
      check(serdes.aggregates().serializer(), aggregatesTopic, sampleFigure());
    }
  }

  /** Serializes a sample model-health record as the health figures will (when they are on). */
  static void verifyHealth(ClassifierTopology.AvroSerdes serdes, String healthTopic) {
    check(serdes.health().serializer(), healthTopic, ModelHealth.newBuilder()
        .setKind(HealthKind.WINDOW).setScope("MODEL").setKey("").setModelVersion("")
        .setWindowStart(Instant.EPOCH).setWindowEnd(Instant.EPOCH).setCount(0).setMeanConfidence(0)
        .setMeanEntropy(0).setLowMarginShare(0).setClassMix(List.of()).setEstimatedAccuracy(0).setCalibrated(false)
        .setMeanSkewMs(0).setLeftOut(0).setOverThreshold(List.of()).setAlarms(List.of())
        .setUpdatedTime(Instant.EPOCH).build());
  }

  /** Whether the registry answered. */
  private static <T extends SpecificRecord> boolean check(Serializer<T> serializer, String topic, T sample) {
    try {
      serializer.serialize(topic, sample);
      return true;
    } catch (SchemaRegistryAccessException e) {
      Optional<String> refusal = refusal(e);
      if (refusal.isPresent()) {
        throw new StreamingException(refusal.get(), e);
      }
      log.warn("could not check the output schema of topic '{}' at start; the stream waits for the registry: {}",
          topic, e.getMessage());
      return false;
    } catch (AvroSerializationException e) {
      // use.latest.version with a latest schema the output cannot be written in
      throw new StreamingException("the outputs to topic '" + topic + "' cannot be written: " + e.getMessage(), e);
    }
  }

  /**
   * One line for the log or the user: for a registry's refusal of an output schema, what it refused and how to fix
   * it; otherwise the exception itself.
   */
  static String describe(Throwable exception) {
    for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
      if (cause instanceof SchemaRegistryAccessException access) {
        return refusal(access).orElse(access.getMessage());
      }
    }
    return String.valueOf(exception);
  }

  /** What the registry refused and the fix, when its answer is a refusal rather than an outage. */
  static Optional<String> refusal(SchemaRegistryAccessException exception) {
    SchemaRegistryException answer = exception.answer();
    int status = answer.status();
    String subject = exception.subject() == null ? "(subject of topic " + exception.topic() + ")" : exception.subject();
    String what = "schema subject '" + subject + "' refuses the classifier's schema";
    String fix;
    if (answer.errorCode() == SchemaRegistryException.INCOMPATIBLE_SCHEMA || status == 409) {
      fix = "it holds a version incompatible with it under its compatibility rule; register a compatible version, "
          + "delete the subject's versions, or relax the rule (PUT /config/" + subject
          + " with {\"compatibility\": \"NONE\"})";
    } else if (status == 404) {
      fix = "the schema is not registered and auto.register.schemas is false; register the schema from schemas/ "
          + "under it, or set auto.register.schemas=true";
    } else if (status == 401 || status == 403) {
      fix = "the registry does not let these credentials register it (" + status + "); check basic.auth.user.info "
          + "and the registry's permissions for this subject";
    } else if (status >= 400 && status < 500 && status != 408 && status != 429) {
      fix = "the registry answered " + status + " (error_code " + answer.errorCode() + "), e.g. a subject in "
          + "read-only mode; make it writable (PUT /mode/" + subject + " with {\"mode\": \"READWRITE\"}) or register "
          + "the schema from schemas/ yourself";
    } else {
      return Optional.empty(); // no answer, 5xx, 408, 429: an outage
    }
    return Optional.of(what + ": " + fix);
  }

  private static ClassifiedItem sampleVerdict() {
    return ClassifiedItem.newBuilder()
        .setItemId("output-subject-check").setScannerId("output-subject-check")
        .setWarehouseId("output-subject-check").setCaptureTime(Instant.EPOCH)
        .setPredictedLabel(FashionClass.T_SHIRT_TOP).setConfidence(1f).setTopK(List.of())
        .setModelVersion("output-subject-check").setClassifiedTime(Instant.EPOCH)
        .build();
  }

  private static AccuracyAggregate sampleFigure() {
    return AccuracyAggregate.newBuilder()
        .setScope(AggregateScope.OVERALL).setKey(AccuracyAggregates.OVERALL_KEY)
        .setSeen(0).setLabelled(0).setCorrect(0).setUpdatedTime(Instant.EPOCH)
        .build();
  }
}
