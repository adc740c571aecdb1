package io.fashionclassifier.streaming;

import io.fashionclassifier.serde.AvroSerializationException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
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

  /** The original headers plus the KIP-1034 error headers, values as UTF-8 strings as Kafka Streams writes them. */
  static Headers headers(BufferedRecord source, Exception error, Instant failedAt) {
    RecordHeaders headers = new RecordHeaders(source.headers().toArray());
    StringWriter stackTrace = new StringWriter();
    error.printStackTrace(new PrintWriter(stackTrace));
    headers.add(EXCEPTION, utf8(error.getClass().getName()));
    headers.add(MESSAGE, utf8(String.valueOf(error.getMessage())));
    headers.add(STACKTRACE, utf8(stackTrace.toString()));
    headers.add(TOPIC, utf8(source.topic()));
    headers.add(PARTITION, utf8(Integer.toString(source.partition())));
    headers.add(OFFSET, utf8(Long.toString(source.offset())));
    headers.add(TIME, utf8(failedAt.toString()));
    return headers;
  }

  /**
   * Adds the failure time to the dead letters Kafka Streams is about to send, counts them and logs one line each.
   * (The log-and-continue handlers' own WARN, with a stack trace per record, is turned down in logback.xml: the
   * stack trace travels in the dead letter's headers.)
   */
  private static void sending(List<ProducerRecord<byte[], byte[]>> deadLetters, ErrorHandlerContext context,
      Exception exception, ClassifierMetrics metrics, ClassifierMetrics.Reason reason) {
    log.warn("dead letter ({}) from {}-{} offset {}: {}", reason, context.topic(), context.partition(),
        context.offset(), exception.toString());
    byte[] now = utf8(Instant.now().toString());
    deadLetters.forEach(letter -> letter.headers().add(TIME, now));
    if (metrics != null) {
      metrics.deadLetters(reason, deadLetters.size());
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
  static boolean isOutage(Exception exception) {
    for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
      if (cause instanceof AvroSerializationException serde) {
        return !serde.isPoisonPill();
      }
    }
    return false;
  }

  private static boolean stopForOutage(Exception exception) {
    if (!isOutage(exception)) {
      return false;
    }
    log.error("schema registry unavailable; stopping rather than dead-lettering good records", exception);
    return true;
  }

  private static ClassifierMetrics metrics(Map<String, ?> configs) {
    return configs.get(METRICS_CONFIG) instanceof ClassifierMetrics metrics ? metrics : null;
  }

  /** Log-and-continue for values that fail to deserialize, counting the dead letters it sends. */
  public static final class DeserializationHandler extends LogAndContinueExceptionHandler {
    private ClassifierMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      metrics = metrics(configs);
    }

    @Override
    public Response handleError(
        ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
      if (stopForOutage(exception)) {
        return Response.fail();
      }
      Response response = super.handleError(context, record, exception);
      sending(response.deadLetterQueueRecords(), context, exception, metrics,
          ClassifierMetrics.Reason.DESERIALIZATION);
      return response;
    }
  }

  /**
   * Log-and-continue for records whose processing throws (values that do not decode, images that do not
   * validate), counting the dead letters it sends.
   */
  public static final class ProcessingHandler extends LogAndContinueProcessingExceptionHandler {
    private ClassifierMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
      super.configure(configs);
      metrics = metrics(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
      if (stopForOutage(exception)) {
        return Response.fail();
      }
      Response response = super.handleError(context, record, exception);
      sending(response.deadLetterQueueRecords(), context, exception, metrics,
          exception instanceof org.apache.kafka.common.errors.SerializationException
              ? ClassifierMetrics.Reason.DESERIALIZATION
              : ClassifierMetrics.Reason.PROCESSING);
      return response;
    }
  }
}
