package io.fashionclassifier.serde;

import io.fashionclassifier.serde.RegistryEntities.CompatibilityCheckResponse;
import io.fashionclassifier.serde.RegistryEntities.ConfigResponse;
import io.fashionclassifier.serde.RegistryEntities.RegisterSchemaResponse;
import io.fashionclassifier.serde.RegistryEntities.SchemaRequest;
import io.fashionclassifier.serde.RegistryEntities.SchemaString;
import io.fashionclassifier.serde.RegistryEntities.SubjectVersion;

/**
 * The registry endpoints the client uses, as typed calls (Confluent's {@code RestService}). Each call is one attempt,
 * every configured URL tried, that ends by {@code deadlineNanos} (on {@link System#nanoTime()}) and fails with a
 * {@link SchemaRegistryException} carrying the answer's status and error_code, or status 0 and
 * {@link SchemaRegistryException#UNREACHABLE} when no URL answered. Retrying is the caller's job
 * ({@link RetryExecutor}), caching too ({@link RestSchemaRegistryClient}).
 */
interface RegistryApi {

  /** POST /subjects/{subject}/versions. */
  RegisterSchemaResponse register(String subject, SchemaRequest request, long deadlineNanos);

  /** POST /subjects/{subject}: the version under which this schema is already registered. */
  SubjectVersion lookUp(String subject, SchemaRequest request, long deadlineNanos);

  /** GET /schemas/ids/{id}. */
  SchemaString schemaById(int id, long deadlineNanos);

  /** GET /subjects/{subject}/versions/latest. */
  SubjectVersion latestVersion(String subject, long deadlineNanos);

  /** POST /compatibility/subjects/{subject}/versions/latest. */
  CompatibilityCheckResponse testCompatibility(String subject, SchemaRequest request, long deadlineNanos);

  /** GET /config/{subject}?defaultToGlobal=true. */
  ConfigResponse config(String subject, long deadlineNanos);
}
