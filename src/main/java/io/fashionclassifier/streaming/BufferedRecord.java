package io.fashionclassifier.streaming;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An input record waiting in the micro-batch buffer, kept as it arrived (raw key and value bytes, headers, source
 * position) so that a batch whose prediction fails can still send every record to the dead-letter topic unchanged.
 */
record BufferedRecord(
    byte[] key, byte[] value, Headers headers, String topic, int partition, long offset, long timestamp) {

  /** Binary serde for the changelogged buffer store; a version byte leaves room for change. */
  static final class StoreSerde implements Serde<BufferedRecord> {
    private static final byte VERSION = 1;

    @Override
    public Serializer<BufferedRecord> serializer() {
      return (topic, record) -> record == null ? null : write(record);
    }

    @Override
    public Deserializer<BufferedRecord> deserializer() {
      return (topic, bytes) -> bytes == null ? null : read(bytes);
    }

    private static byte[] write(BufferedRecord record) {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream(record.value().length + 128);
      try (DataOutputStream out = new DataOutputStream(buffer)) {
        out.writeByte(VERSION);
        writeBytes(out, record.key());
        writeBytes(out, record.value());
        Header[] headers = record.headers().toArray();
        out.writeInt(headers.length);
        for (Header header : headers) {
          writeBytes(out, header.key().getBytes(StandardCharsets.UTF_8));
          writeBytes(out, header.value());
        }
        writeBytes(out, record.topic().getBytes(StandardCharsets.UTF_8));
        out.writeInt(record.partition());
        out.writeLong(record.offset());
        out.writeLong(record.timestamp());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return buffer.toByteArray();
    }

    private static BufferedRecord read(byte[] bytes) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        byte version = in.readByte();
        if (version != VERSION) {
          throw new IllegalStateException("unknown buffered record version " + version);
        }
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        RecordHeaders headers = new RecordHeaders();
        int headerCount = in.readInt();
        for (int i = 0; i < headerCount; i++) {
          headers.add(new String(readBytes(in), StandardCharsets.UTF_8), readBytes(in));
        }
        String topic = new String(readBytes(in), StandardCharsets.UTF_8);
        return new BufferedRecord(key, value, headers, topic, in.readInt(), in.readLong(), in.readLong());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
      if (bytes == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(bytes.length);
        out.write(bytes);
      }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
      int length = in.readInt();
      if (length < 0) {
        return null;
      }
      byte[] bytes = new byte[length];
      in.readFully(bytes);
      return bytes;
    }
  }
}
