package io.fashionclassifier.serde;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/** Chooses the registry subject under which a topic's key or value schema is registered and looked up. */
@FunctionalInterface
public interface SubjectNameStrategy {

  /** The subject for a record of {@code schema} written to {@code topic}, as key or value. */
  String subjectName(String topic, boolean isKey, Schema schema);

  /**
   * The strategy named by a config value: null means {@link TopicNameStrategy}; our class names, their simple
   * names and Confluent's ({@code io.confluent.kafka.serializers.subject.*}) map to ours; any other name must be
   * a class implementing this interface with a public no-argument constructor.
   */
  static SubjectNameStrategy forConfig(String key, Object value) {
    if (value == null) {
      return new TopicNameStrategy();
    }
    if (value instanceof SubjectNameStrategy strategy) {
      return strategy;
    }
    String name = value instanceof Class<?> c ? c.getName() : value.toString().trim();
    String simple = name.substring(name.lastIndexOf('.') + 1);
    switch (simple) {
      case "TopicNameStrategy":
        return new TopicNameStrategy();
      case "RecordNameStrategy":
        return new RecordNameStrategy();
      case "TopicRecordNameStrategy":
        return new TopicRecordNameStrategy();
      default:
        break;
    }
    try {
      Class<?> type = Class.forName(name, true, Thread.currentThread().getContextClassLoader());
      return (SubjectNameStrategy) type.getConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new ConfigException(key, value,
          "expected TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy or a class implementing "
              + SubjectNameStrategy.class.getName());
    }
  }
}
