package io.fashionclassifier.serde;

import java.util.Map;

/**
 * What the serializer and the deserializer share, as in Confluent's {@code AbstractKafkaSchemaSerDe}: the registry
 * client (given, or created from the configuration and then owned and closed), key or value, the subject name
 * strategy and {@value AvroSerdeConfig#USE_LATEST_VERSION}.
 */
abstract class AbstractKafkaAvroSerDe implements AutoCloseable {

  private SchemaRegistryClient client;
  private boolean ownsClient;
  protected boolean isKey;
  protected boolean useLatestVersion;
  protected SubjectNameStrategy subjectNameStrategy = new TopicNameStrategy();

  /** @param client the registry client to use, or null to create one in {@link #configureCommon} */
  AbstractKafkaAvroSerDe(SchemaRegistryClient client) {
    this.client = client;
  }

  /** Reads the shared settings and creates the client when none was given; returns the whole configuration. */
  protected AvroSerdeConfig configureCommon(Map<String, ?> props, boolean isKey) {
    AvroSerdeConfig config = new AvroSerdeConfig(props);
    this.isKey = isKey;
    this.useLatestVersion = config.useLatestVersion();
    this.subjectNameStrategy = config.subjectNameStrategy(isKey);
    if (client == null) {
      client = SchemaRegistryClient.create(config);
      ownsClient = true;
    }
    return config;
  }

  /** The client; fails when neither given nor configured yet. */
  protected SchemaRegistryClient client() {
    if (client == null) {
      throw new IllegalStateException(getClass().getSimpleName() + " used before configure()");
    }
    return client;
  }

  @Override
  public void close() {
    if (ownsClient && client != null) {
      client.close();
    }
  }
}
