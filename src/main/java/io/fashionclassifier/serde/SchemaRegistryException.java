package io.fashionclassifier.serde;

/**
 * An error answered by a schema registry (or by the in-process {@code mock://} registry), carrying the HTTP status
 * and Confluent's {@code error_code}, or a failure to reach the registry at all.
 *
 * <p>Callers should branch on {@link #errorCode()}, never on the message text, which differs between registry
 * implementations (Confluent, Apicurio, Karapace, Redpanda).
 */
public final class SchemaRegistryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Subject not found. */
  public static final int SUBJECT_NOT_FOUND = 40401;
  /** Version not found. */
  public static final int VERSION_NOT_FOUND = 40402;
  /** Schema (id, or schema under a subject) not found. */
  public static final int SCHEMA_NOT_FOUND = 40403;
  /** Schema is incompatible with an earlier version under the subject's compatibility rule. */
  public static final int INCOMPATIBLE_SCHEMA = 409;
  /** Schema text is not a valid schema. */
  public static final int INVALID_SCHEMA = 42201;
  /** Invalid version. */
  public static final int INVALID_VERSION = 42202;
  /** Invalid compatibility level. */
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  /** Error in the registry's backend store. */
  public static final int STORE_ERROR = 50001;
  /** Operation timed out inside the registry. */
  public static final int OPERATION_TIMEOUT = 50002;
  /** Error while forwarding the request to the leader. */
  public static final int REQUEST_FORWARDING_FAILED = 50003;
  /** Our own code: the registry could not be reached (connection refused, timeout, TLS failure). */
  public static final int UNREACHABLE = -1;
  /**
   * Our own code: the registry answered, but with nothing this client can use: a JSON Schema or Protobuf schema, a
   * text the Avro parser rejects, JSON of another shape than the API's, or an answer larger than
   * {@link RestSchemaRegistryClient#MAX_ANSWER_BYTES}.
   */
  public static final int UNUSABLE_SCHEMA = -2;

  private final int status;
  private final int errorCode;

  public SchemaRegistryException(String message, int status, int errorCode) {
    this(message, status, errorCode, null);
  }

  public SchemaRegistryException(String message, int status, int errorCode, Throwable cause) {
    super(message + " (status " + status + ", error_code " + errorCode + ")", cause);
    this.status = status;
    this.errorCode = errorCode;
  }

  /** HTTP status of the answer, 0 when there was none. */
  public int status() {
    return status;
  }

  /** Confluent's error_code (see the constants), {@link #UNREACHABLE} when there was no answer. */
  public int errorCode() {
    return errorCode;
  }

  /**
   * For a request about one schema id: whether the answer concerns that schema only, not the registry as a whole,
   * so a record naming the id is a poison pill: not found (40403), access to it forbidden (403), or a schema that is
   * not usable Avro ({@link #UNUSABLE_SCHEMA}). Every other failure (no answer, 5xx, 401, 408, 429, a 404 that
   * did not come from a registry) says nothing about the record and is an outage.
   */
  public boolean concernsTheSchemaOnly() {
    return errorCode == SCHEMA_NOT_FOUND || status == 403 || errorCode == UNUSABLE_SCHEMA;
  }

  /** Whether trying again later may succeed: no answer, a 5xx answer, 408 (timeout) or 429 (rate limited). */
  public boolean isRetriable() {
    return status == 0 || status >= 500 || status == 408 || status == 429;
  }
}
