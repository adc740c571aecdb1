package io.fashionclassifier.streaming;

import io.fashionclassifier.serde.AvroSerializationException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters. Records that fail to decode or validate go through Kafka Streams' own dead-letter queue (KIP-1034:
 * {@code errors.dead.letter.queue.topic.name} with log-and-continue handlers), which writes the original key and
 * value bytes with the {@code __streams.errors.*} headers; the handlers here only count them. Records whose batch
 * fails in the model are sent by the micro-batcher itself (a punctuator has no source record for KIP-1034 to use),
 * with the same headers built by {@link #headers}.
 */
public final class DeadLetters {

  /** Config key under which the application passes its {@link ClassifierMetrics} to the handlers. */
  public static final String METRICS_CONFIG = "fashion.metrics.instance";

  public static final String EXCEPTION = "__streams.errors.exception";
  public static final String MESSAGE = "__streams.errors.message";
  public static final String STACKTRACE = "__streams.errors.stacktrace";
  public static final String TOPIC = "__streams.errors.topic";
  public static final String PARTITION = "__streams.errors.partition";
  public static final String OFFSET = "__streams.errors.offset";
  /**
   * When the record failed, ISO-8601 UTC. KIP-1034 has no such header (the dead letter keeps the original record's
   * timestamp), so it is the classifier's own, on every dead letter whichever path sent it.
   */
  public static final String TIME = "fashion.errors.time";

  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

  private DeadLetters() {}

  /** Longest {@link #MESSAGE} header, in characters. */
  static final int MAX_MESSAGE_CHARS = 1_000;
  /** Longest {@link #STACKTRACE} header, in characters: the top frames say where; the rest only costs bytes. */
  static final int MAX_STACKTRACE_CHARS = 8_000;
  /** Room for the record's own framing within the producer's request size. */
  private static final int RECORD_OVERHEAD = 1_024;
  /**
   * Set on a dead letter whose value had to be cut to fit the producer's request size: the value's original length
   * in bytes. The original is still in the input topic, at the partition and offset the headers name.
   */
  public static final String TRUNCATED = "fashion.errors.value.truncated";
  /**
   * Set on a dead letter that had to leave the original record's headers out to fit: how many it had. The original
   * is still in the input topic, at the partition and offset the headers name.
   */
  public static final String HEADERS_DROPPED = "fashion.errors.headers.dropped";
  /** The original headers of a letter that must be cut are kept only when they are this small a part of it. */
  private static final int KEPT_HEADERS_SHARE = 16;
  private static final DeadLetterLog LOG = new DeadLetterLog(log, DeadLetterLog.INTERVAL, System::nanoTime);

  /** A dead letter as it will be sent: key, value and headers, within the size limit. */
  record Letter(byte[] key, byte[] value, Headers headers, boolean truncated) {}

  /** The most bytes a dead letter may take: the producer's {@code max.request.size} less framing. */
  static int sizeLimit(Map<String, ?> configs) {
    Object configured = configs.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    if (configured == null) {
      configured = configs.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    }
    int maxRequest = configured == null ? 1024 * 1024 : Integer.parseInt(configured.toString().trim());
    return Math.max(maxRequest - RECORD_OVERHEAD, 1);
  }

  /** The original record with the KIP-1034 error headers, cut to {@code limit} bytes if it must be. */
  static Letter letter(BufferedRecord source, Exception error, Instant failedAt, int limit) {
    RecordHeaders headers = new RecordHeaders(source.headers().toArray());
    headers.add(EXCEPTION, utf8(error.getClass().getName()));
    headers.add(MESSAGE, utf8(capped(String.valueOf(error.getMessage()), MAX_MESSAGE_CHARS)));
    headers.add(STACKTRACE, utf8(capped(stackTrace(error), MAX_STACKTRACE_CHARS)));
    headers.add(TOPIC, utf8(source.topic()));
    headers.add(PARTITION, utf8(Integer.toString(source.partition())));
    headers.add(OFFSET, utf8(Long.toString(source.offset())));
    headers.add(TIME, utf8(failedAt.toString()));
    return fitted(source.key(), source.value(), headers, limit);
  }

  /**
   * Makes a dead letter fit: the error headers are capped already, so what can still be too large is the original
   * record's key, value and headers (which may have fit the input topic compressed). The original headers go first
   * ({@link #HEADERS_DROPPED}) unless they are small, then the value is cut, then the key ({@link #TRUNCATED}).
   */
  static Letter fitted(byte[] key, byte[] value, Headers headers, int limit) {
    long errorBytes = 0;
    long originalBytes = 0;
    int originals = 0;
    for (Header header : headers) {
      long bytes = InventoryImages.headerBytes(header);
      if (isErrorHeader(header.key())) {
        errorBytes += bytes;
      } else {
        originalBytes += bytes;
        originals++;
      }
    }
    int keyBytes = key == null ? 0 : key.length;
    int valueBytes = value == null ? 0 : value.length;
    if (errorBytes + originalBytes + keyBytes + valueBytes <= limit) {
      return new Letter(key, value, headers, false);
    }
    long headerBytes = errorBytes + originalBytes;
    boolean fitsWithoutOriginals = errorBytes + keyBytes + valueBytes <= limit;
    if (originals > 0 && (fitsWithoutOriginals || originalBytes > limit / KEPT_HEADERS_SHARE)) {
      RecordHeaders errorsOnly = new RecordHeaders();
      for (Header header : headers) {
        if (isErrorHeader(header.key())) {
          errorsOnly.add(header);
        }
      }
      errorsOnly.remove(HEADERS_DROPPED);
      errorsOnly.add(HEADERS_DROPPED, utf8(Integer.toString(originals)));
      headers = errorsOnly;
      headerBytes = errorBytes + 64;
      if (fitsWithoutOriginals) {
        return new Letter(key, value, headers, true);
      }
    }
    int room = (int) Math.max(0, limit - headerBytes - 64);
    byte[] keptKey = key == null || keyBytes <= room / 2 ? key : Arrays.copyOf(key, room / 2);
    int keptKeyBytes = keptKey == null ? 0 : keptKey.length;
    byte[] keptValue = value == null ? null : Arrays.copyOf(value, Math.max(0, Math.min(valueBytes, room - keptKeyBytes)));
    headers.remove(TRUNCATED);
    headers.add(TRUNCATED, utf8(Integer.toString(valueBytes)));
    return new Letter(keptKey, keptValue, headers, true);
  }

  private static boolean isErrorHeader(String key) {
    return key.startsWith("__streams.errors.") || key.startsWith("fashion.errors.");
  }

  private static String stackTrace(Exception error) {
    StringWriter stackTrace = new StringWriter();
    error.printStackTrace(new PrintWriter(stackTrace));
    return stackTrace.toString();
  }

  private static String capped(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "... (" + (text.length() - max) + " more chars)";
  }

  /**
   * Adds the failure time to the dead letters Kafka Streams is about to send, counts them and logs one line each.
   * (The log-and-continue handlers' own WARN, with a stack trace per record, is turned down in logback.xml: the
   * stack trace travels in the dead letter's headers.)
   */
  private static List<ProducerRecord<byte[], byte[]>> sending(List<ProducerRecord<byte[], byte[]>> deadLetters,
      ErrorHandlerContext context, Exception exception, ClassifierMetrics metrics, ClassifierMetrics.Reason reason,
      int limit) {
    LOG.deadLettered(reason.name(), context.topic() + "-" + context.partition() + " offset " + context.offset()
        + ": " + exception);
    byte[] now = utf8(Instant.now().toString());
    List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>(deadLetters.size());
    for (ProducerRecord<byte[], byte[]> letter : deadLetters) {
      RecordHeaders headers = new RecordHeaders(letter.headers().toArray());
      capHeader(headers, MESSAGE, MAX_MESSAGE_CHARS);
      capHeader(headers, STACKTRACE, MAX_STACKTRACE_CHARS);
      headers.add(TIME, now);
      Letter fitted = fitted(letter.key(), letter.value(), headers, limit);
      if (fitted.truncated() && metrics != null) {
        metrics.deadLetterTruncated();
      }
      sent.add(new ProducerRecord<>(letter.topic(), letter.partition(), letter.timestamp(), fitted.key(),
          fitted.value(), fitted.headers()));
    }
    if (metrics != null) {
      metrics.deadLetters(reason, sent.size());
    }
    return sent;
  }

  private static void capHeader(Headers headers, String key, int max) {
    Header header = headers.lastHeader(key);
    if (header != null && header.value() != null && header.value().length > max) {
      String text = new String(header.value(), StandardCharsets.UTF_8);
      headers.remove(key);
      headers.add(key, utf8(capped(text, max)));
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A registry that cannot be reached says nothing about the record: dead-lettering would throw good records away.
   * Failing stops this instance with its offsets uncommitted; once the registry is back, a restart (Kubernetes
   * restarts the pod) processes the same records again, exactly once.
   */
  static boolean isOutage(Throwable exception) {
    for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
      if (cause instanceof AvroSerializationException serde) {
        return !serde.isPoisonPill();
      }
    }
    return false;
  }

  /**
   * Whether the record itself is at fault: it does not decode into an image (or an audit), or the image is not one
   * the classifier takes (the audit not one the join can count). Only such records are dead letters. Anything else a
   * processor throws (a registry outage, a batch that could not be sent whole, a send error of an earlier record
   * surfacing in this one, a bug) says nothing about the record, so dead-lettering it would lose a good record, under
   * at_least_once as under exactly_once.
   */
  static boolean isRecordFault(Throwable exception) {
    return exception instanceof InvalidImageException
        || exception instanceof InvalidAuditException
        || exception instanceof AvroSerializationException serde && serde.isPoisonPill();
  }

  /** Whether the handler must fail the task (and abort its transaction) rather than dead-letter the record. */
  private static boolean mustFail(Exception exception) {
    if (isOutage(exception)) {
      log.warn("schema registry unavailable; retrying from the last commit rather than dead-lettering good "
          + "records: {}", exception.toString());
      return true;
    }
    if (!isRecordFault(exception)) {
      log.warn("not the record's fault, so not a dead letter; failing the task to retry from the last commit: {}",
          exception.toString());
      return true;
    }
    return false;
  }

  private static ClassifierMetrics metrics(Map<String, ?> configs) {
    return configs.get(METRICS_CONFIG) instanceof ClassifierMetrics metrics ? metrics : null;
  }

  /** Log-and-continue for values that fail to deserialize, counting the dead letters it sends. */
  public static final class DeserializationHandler extends LogAndContinueExceptionHandler {
    private ClassifierMetrics metrics;
    private int limit;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      metrics = metrics(configs);
      limit = sizeLimit(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
      if (mustFail(exception)) {
        return Response.fail();
      }
      Response response = super.handleError(context, record, exception);
      return Response.resume(sending(response.deadLetterQueueRecords(), context, exception, metrics,
          ClassifierMetrics.Reason.DESERIALIZATION, limit));
    }
  }

  /**
   * Log-and-continue for records whose processing throws (values that do not decode, images that do not
   * validate), counting the dead letters it sends.
   */
  public static final class ProcessingHandler extends LogAndContinueProcessingExceptionHandler {
    private ClassifierMetrics metrics;
    private int limit;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      metrics = metrics(configs);
      limit = sizeLimit(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
      if (mustFail(exception)) {
        return Response.fail();
      }
      Response response = super.handleError(context, record, exception);
      return Response.resume(sending(response.deadLetterQueueRecords(), context, exception, metrics,
          exception instanceof org.apache.kafka.common.errors.SerializationException
              ? ClassifierMetrics.Reason.DESERIALIZATION
              : ClassifierMetrics.Reason.PROCESSING, limit));
    }
  }

  /**
   * Per-record send and serialization errors of the outputs. Nothing an input holds can make an output fail
   * (ids and record sizes are bounded at arrival, dead letters fitted), so an output that fails is never the
   * record's fault and is never dropped: a registry that refuses the output schema, or cannot be reached, is an
   * outage ({@link #isOutage}: not ready, nothing committed, retried with backoff), and any other failure fails the
   * task as Kafka Streams would by default. Under exactly-once a dropped record would not even help: a record the
   * producer refuses as too large leaves the transaction unable to commit (KAFKA-9279).
   */
  public static final class ProductionHandler implements ProductionExceptionHandler {
    private ClassifierMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      metrics = metrics(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
      return failed(record, exception, "sent");
    }

    @Override
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
        SerializationExceptionOrigin origin) {
      return failed(record, exception, "serialized");
    }

    private Response failed(ProducerRecord<?, ?> record, Exception exception, String what) {
      log.error("an output to {} could not be {}; failing the batch to retry it from the last commit: {}",
          record.topic(), what, OutputSubjectCheck.describe(exception));
      if (metrics != null) {
        metrics.outputFailed(record.topic());
      }
      return Response.fail();
    }
  }
}
