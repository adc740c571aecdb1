package io.fashionclassifier.serde;

import io.fashionclassifier.serde.RegistryEntities.RegisterSchemaResponse;
import io.fashionclassifier.serde.RegistryEntities.SchemaRequest;
import io.fashionclassifier.serde.RegistryEntities.SchemaString;
import io.fashionclassifier.serde.RegistryEntities.SubjectVersion;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;

/**
 * Client of the Confluent Schema Registry REST API (also served by Apicurio under {@code /apis/ccompat/v7},
 * Karapace and Redpanda), layered as Confluent's {@code CachedSchemaRegistryClient} is: this class caches and turns
 * answers into Avro schemas, on {@link RetryExecutor} (retries with backoff and full jitter within
 * {@value AvroSerdeConfig#HTTP_TOTAL_TIMEOUT_MS}), on {@link RegistryTransport} (HTTP, failover across URLs, body
 * limit, TLS, credentials, error codes).
 *
 * <p>Schemas by id and ids by (subject, schema) are cached forever: a registry never changes them. Ids the registry
 * answered about with a poison-pill answer (see {@link SchemaRegistryException#concernsTheSchemaOnly()}) are
 * remembered for {@value AvroSerdeConfig#MISSING_ID_CACHE_TTL_SEC} seconds, at most
 * {@value AvroSerdeConfig#MISSING_CACHE_SIZE} of them; outages are not remembered.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

  /** The largest answer read: far above any real schema, far below what could hurt the heap. */
  public static final int MAX_ANSWER_BYTES = RegistryTransport.MAX_ANSWER_BYTES;

  /** The status of every answer this class reads: the transport hands up only 2xx answers. */
  private static final int OK = 200;

  private record SubjectSchema(String subject, Schema schema) {}

  private final RegistryApi api;
  private final RetryExecutor retry;
  private final MissingSchemaIds missingIds;
  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

  public RestSchemaRegistryClient(AvroSerdeConfig config) {
    this(new RegistryTransport(config), RetryExecutor.of(config),
        new MissingSchemaIds(config.missingIdCacheTtl().toNanos(), config.missingCacheSize()));
  }

  RestSchemaRegistryClient(RegistryApi api, RetryExecutor retry, MissingSchemaIds missingIds) {
    this.api = api;
    this.retry = retry;
    this.missingIds = missingIds;
  }

  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    RegisterSchemaResponse answer = retry.call(deadline -> api.register(subject, request(schema), deadline));
    int id = id(answer.id(), "POST /subjects/" + subject + "/versions");
    idsBySubjectSchema.putIfAbsent(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public int getId(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    SubjectVersion answer = retry.call(deadline -> api.lookUp(subject, request(schema), deadline));
    int id = id(answer.id(), "POST /subjects/" + subject);
    idsBySubjectSchema.putIfAbsent(key, id);
    return id;
  }

  @Override
  public Schema getSchemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    SchemaRegistryException missing = missingIds.get(id);
    if (missing != null) {
      throw new SchemaRegistryException("(remembered) " + missing.getMessage(), missing.status(),
          missing.errorCode());
    }
    Schema schema;
    try {
      SchemaString answer = retry.call(deadline -> api.schemaById(id, deadline));
      schema = avro(answer.schemaType(), answer.schema());
    } catch (SchemaRegistryException e) {
      if (e.concernsTheSchemaOnly()) {
        missingIds.put(id, e);
      }
      throw e;
    }
    Schema raced = schemasById.putIfAbsent(id, schema);
    return raced != null ? raced : schema;
  }

  @Override
  public SchemaMetadata getLatestSchemaMetadata(String subject) {
    SubjectVersion answer = retry.call(deadline -> api.latestVersion(subject, deadline));
    int id = id(answer.id(), "GET /subjects/" + subject + "/versions/latest");
    Schema schema = avro(answer.schemaType(), answer.schema());
    schemasById.putIfAbsent(id, schema);
    return new SchemaMetadata(id, answer.subject() != null ? answer.subject() : subject,
        answer.version() != null ? answer.version() : 0, schema);
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    try {
      Boolean compatible =
          retry.call(deadline -> api.testCompatibility(subject, request(schema), deadline)).isCompatible();
      return Boolean.TRUE.equals(compatible);
    } catch (SchemaRegistryException e) {
      // Nothing to be incompatible with yet.
      if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
          || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
        return true;
      }
      throw e;
    }
  }

  @Override
  public String compatibilityLevel(String subject) {
    String level = retry.call(deadline -> api.config(subject, deadline)).level();
    if (level == null) {
      throw new SchemaRegistryException("GET /config/" + subject + " answer has no compatibility level", OK,
          SchemaRegistryException.UNUSABLE_SCHEMA);
    }
    return level;
  }

  private static SchemaRequest request(Schema schema) {
    return new SchemaRequest(schema.toString());
  }

  /** The answer's id; the answer may be megabytes of schema text, so only the call is quoted without one. */
  private static int id(Integer id, String call) {
    if (id == null) {
      throw new SchemaRegistryException(call + " answer has no schema id", OK,
          SchemaRegistryException.INVALID_SCHEMA);
    }
    return id;
  }

  private static Schema avro(String schemaType, String text) {
    String type = schemaType != null ? schemaType : "AVRO";
    if (!"AVRO".equalsIgnoreCase(type)) {
      throw new SchemaRegistryException("Schema is of type " + type + ", not AVRO", OK,
          SchemaRegistryException.UNUSABLE_SCHEMA);
    }
    try {
      return new Schema.Parser().parse(text == null ? "" : text);
    } catch (RuntimeException e) {
      // SchemaParseException, AvroTypeException for an undefined name, and whatever else a hostile text provokes.
      throw new SchemaRegistryException("Schema registry returned a schema the Avro parser rejects: "
          + e.getMessage(), OK, SchemaRegistryException.UNUSABLE_SCHEMA, e);
    }
  }
}
