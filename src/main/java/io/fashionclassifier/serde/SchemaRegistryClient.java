package io.fashionclassifier.serde;

import java.io.Closeable;
import org.apache.avro.Schema;

/**
 * The subset of the Confluent Schema Registry API that the Avro serdes use.
 *
 * <p>Implementations are thread-safe and cache what never changes (schemas by id, ids by subject and schema).
 * Every method throws {@link SchemaRegistryException} carrying Confluent's {@code error_code}.
 * Create one with {@link #create(AvroSerdeConfig)}: {@code mock://scope} gives the in-process
 * {@link MockSchemaRegistry}, anything else the HTTP client {@link RestSchemaRegistryClient}.
 */
public interface SchemaRegistryClient extends Closeable {

  /**
   * Registers the schema under the subject (POST /subjects/{subject}/versions) and returns its global id; returns
   * the existing id when the schema is already registered. Fails with error_code 409 when the subject's
   * compatibility rule rejects it.
   */
  int register(String subject, Schema schema);

  /** Looks up the id of a schema already registered under the subject (POST /subjects/{subject}). */
  int getId(String subject, Schema schema);

  /** The schema with this global id (GET /schemas/ids/{id}); error_code 40403 when there is none. */
  Schema getSchemaById(int id);

  /** The latest version under the subject (GET /subjects/{subject}/versions/latest); 40401 when none. */
  SchemaMetadata getLatestSchemaMetadata(String subject);

  /**
   * Whether the schema could be registered under the subject, i.e. is compatible with its latest version
   * (POST /compatibility/subjects/{subject}/versions/latest). True when the subject does not exist yet.
   */
  boolean testCompatibility(String subject, Schema schema);

  /**
   * The subject's compatibility level, falling back to the registry's global one
   * (GET /config/{subject}?defaultToGlobal=true), e.g. {@code BACKWARD}, {@code FULL_TRANSITIVE}.
   */
  String compatibilityLevel(String subject);

  @Override
  default void close() {}

  /** The client for {@link AvroSerdeConfig#registryUrls()}: in-process for {@code mock://scope}, HTTP otherwise. */
  static SchemaRegistryClient create(AvroSerdeConfig config) {
    String mockScope = config.mockScope();
    if (mockScope != null) {
      return MockSchemaRegistry.getClientForScope(mockScope);
    }
    return new RestSchemaRegistryClient(config);
  }
}
