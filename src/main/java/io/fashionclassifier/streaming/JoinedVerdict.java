package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AuditedItem;
import io.fashionclassifier.schema.ClassifiedItem;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the audit join keeps of one item: its verdict, and the audit that counts for it once one came. One store
 * entry for both, so that the join's one persistent store is written as soon as its task classifies anything:
 * under exactly-once a persistent store never written has no checkpoint offset, and Kafka Streams then wipes the
 * whole task's state at the next start.
 *
 * @param audited null until an audit of the item joins; it holds the verdict too
 */
record JoinedVerdict(ClassifiedItem verdict, AuditedItem audited) {

  /** A tag byte, then the verdict's Avro bytes or, once audited, the audited item's (schema registry framing). */
  static final class StoreSerde implements Serde<JoinedVerdict> {
    private static final byte VERDICT = 1;
    private static final byte AUDITED = 2;
    /** Appended to the changelog's name for the registry subject of the audited form. */
    static final String AUDITED_SUFFIX = "-audited";

    private final Serde<ClassifiedItem> verdicts;
    private final Serde<AuditedItem> audited;

    StoreSerde(Serde<ClassifiedItem> verdicts, Serde<AuditedItem> audited) {
      this.verdicts = verdicts;
      this.audited = audited;
    }

    @Override
    public Serializer<JoinedVerdict> serializer() {
      return (topic, joined) -> {
        if (joined == null) {
          return null;
        }
        byte[] body = joined.audited() == null
            ? verdicts.serializer().serialize(topic, joined.verdict())
            // a subject of its own: one subject holds one record type
            : audited.serializer().serialize(topic + AUDITED_SUFFIX, joined.audited());
        byte[] tagged = new byte[body.length + 1];
        tagged[0] = joined.audited() == null ? VERDICT : AUDITED;
        System.arraycopy(body, 0, tagged, 1, body.length);
        return tagged;
      };
    }

    @Override
    public Deserializer<JoinedVerdict> deserializer() {
      return (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        byte[] body = Arrays.copyOfRange(bytes, 1, bytes.length);
        return switch (bytes[0]) {
          case VERDICT -> new JoinedVerdict(verdicts.deserializer().deserialize(topic, body), null);
          case AUDITED -> {
            AuditedItem item = audited.deserializer().deserialize(topic + AUDITED_SUFFIX, body);
            yield new JoinedVerdict(item.getVerdict(), item);
          }
          default -> throw new IllegalStateException("unknown joined-verdict tag " + bytes[0]);
        };
      };
    }
  }
}
