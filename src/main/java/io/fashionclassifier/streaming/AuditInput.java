package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.ClassifiedItem;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the audit join takes, keyed by item id: the verdicts and the audits share one repartition topic, so that an
 * item's verdict and audits meet in one task in the order that topic holds them.
 */
sealed interface AuditInput {

  record Verdict(ClassifiedItem item) implements AuditInput {}

  /** The audit as it arrived (its bytes and source position), so that a dead letter of it is the original. */
  record Audit(BufferedRecord original) implements AuditInput {}

  /** A tag byte, then the verdict's Avro bytes (schema registry framing) or the audit's buffered-record form. */
  final class WireSerde implements Serde<AuditInput> {
    private static final byte VERDICT = 1;
    private static final byte AUDIT = 2;

    private final Serde<ClassifiedItem> verdicts;
    private final Serde<BufferedRecord> audits = new BufferedRecord.StoreSerde();

    WireSerde(Serde<ClassifiedItem> verdicts) {
      this.verdicts = verdicts;
    }

    @Override
    public Serializer<AuditInput> serializer() {
      return (topic, input) -> {
        if (input == null) {
          return null;
        }
        byte[] body = input instanceof Verdict verdict
            ? verdicts.serializer().serialize(topic, verdict.item())
            : audits.serializer().serialize(topic, ((Audit) input).original());
        byte[] tagged = new byte[body.length + 1];
        tagged[0] = input instanceof Verdict ? VERDICT : AUDIT;
        System.arraycopy(body, 0, tagged, 1, body.length);
        return tagged;
      };
    }

    @Override
    public Deserializer<AuditInput> deserializer() {
      return (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        byte[] body = Arrays.copyOfRange(bytes, 1, bytes.length);
        return switch (bytes[0]) {
          case VERDICT -> new Verdict(verdicts.deserializer().deserialize(topic, body));
          case AUDIT -> new Audit(audits.deserializer().deserialize(topic, body));
          default -> throw new IllegalStateException("unknown audit input tag " + bytes[0]);
        };
      };
    }
  }
}
