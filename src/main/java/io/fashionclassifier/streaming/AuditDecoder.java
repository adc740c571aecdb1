package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.serde.AvroSerializationException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Checks each record of the audits topic and keys it by the item id it names. A record that is not an audit the
 * join can count throws ({@link InvalidAuditException}, or the deserializer's poison-pill exception), and the
 * processing exception handler sends the original to the dead-letter topic with the reason headers; a registry
 * outage propagates as it does for images. The audit travels on as it arrived, so that a later dead letter of it
 * (no verdict within the retention) is the original record too.
 */
final class AuditDecoder implements Processor<byte[], byte[], String, AuditInput> {

  private final Deserializer<ItemAudit> audits;
  private final int maxRecordBytes;
  private ProcessorContext<String, AuditInput> context;

  /**
   * @param maxRecordBytes largest audit record taken (key, value and headers), as for images: it is kept in a
   *     changelogged store while it waits for its verdict and may become a dead letter
   */
  AuditDecoder(Deserializer<ItemAudit> audits, int maxRecordBytes) {
    this.audits = audits;
    this.maxRecordBytes = maxRecordBytes;
  }

  @Override
  public void init(ProcessorContext<String, AuditInput> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata source = context.recordMetadata().orElseThrow();
    checkSize(record.key(), record.value(), record.headers());
    ItemAudit audit = decode(source.topic(), record.headers(), record.value());
    BufferedRecord original = new BufferedRecord(record.key(), record.value(),
        new RecordHeaders(record.headers().toArray()), source.topic(), source.partition(), source.offset(),
        record.timestamp());
    context.forward(new Record<>(audit.getItemId(), new AuditInput.Audit(original), record.timestamp()));
  }

  /** The audit in {@code value}, checked; throws for a record that is not one. */
  static ItemAudit decode(Deserializer<ItemAudit> audits, String topic, Headers headers, byte[] value) {
    ItemAudit audit;
    try {
      audit = audits.deserialize(topic, headers, value);
    } catch (AvroSerializationException e) {
      throw e; // a poison pill, or a registry outage that must not become a dead letter
    } catch (RuntimeException e) {
      throw new InvalidAuditException("the value does not decode into an ItemAudit: " + e, e);
    }
    if (audit == null) {
      throw new InvalidAuditException("the record has no value (tombstone)");
    }
    if (audit.getItemId() == null || audit.getItemId().isBlank()) {
      throw new InvalidAuditException("itemId is empty");
    }
    checkIdLength("itemId", audit.getItemId());
    checkIdLength("auditor", audit.getAuditor());
    return audit;
  }

  private ItemAudit decode(String topic, Headers headers, byte[] value) {
    return decode(audits, topic, headers, value);
  }

  private void checkSize(byte[] key, byte[] value, Headers headers) {
    long size = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    for (Header header : headers) {
      size += InventoryImages.headerBytes(header);
    }
    if (size > maxRecordBytes) {
      throw new InvalidAuditException("the record is about " + size + " bytes with its headers; audits may have "
          + "at most " + maxRecordBytes + " (" + ClassifierConfig.INPUT_MAX_RECORD_BYTES + ")");
    }
  }

  private static void checkIdLength(String field, String id) {
    int bytes = id.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > InventoryImages.MAX_ID_BYTES) {
      throw new InvalidAuditException(field + " is " + bytes + " bytes long; ids may have at most "
          + InventoryImages.MAX_ID_BYTES + " (UTF-8)");
    }
  }
}
