package io.fashionclassifier.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * A binary decoder over a payload of known size that refuses lengths and item counts larger than the payload
 * before allocating anything (reported as {@link EOFException}, i.e. a truncated payload). Avro itself allocates a string, byte buffer or array of the length the bytes
 * claim (up to 2 GiB), so a few garbage bytes could cost a gigabyte of heap per record.
 *
 * <p>Limit: an array whose items encode to zero bytes (nulls, empty records) cannot have more items than the
 * payload has bytes.
 */
final class BoundedDecoder extends Decoder {

  private BinaryDecoder in;
  private long limit;

  /** Points this decoder at a new payload body of {@code limit} bytes. */
  BoundedDecoder reset(BinaryDecoder in, long limit) {
    this.in = in;
    this.limit = limit;
    return this;
  }

  BinaryDecoder binaryDecoder() {
    return in;
  }

  /** A length beyond the body means the body was cut short (or is garbage): reported as end of input. */
  private int checked(long length, String what) throws EOFException {
    if (length < 0) {
      throw new AvroRuntimeException("Negative " + what + ": " + length);
    }
    if (length > limit) {
      throw new EOFException(what + " of " + length + " in an Avro body of " + limit + " bytes");
    }
    return (int) length;
  }

  @Override
  public void readNull() throws IOException {
    in.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return in.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return in.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return in.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return in.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return in.readDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = checked(in.readLong(), "String length");
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    if (length > 0) {
      in.readFixed(result.getBytes(), 0, length);
    }
    return result;
  }

  @Override
  public String readString() throws IOException {
    return readString(null).toString();
  }

  @Override
  public void skipString() throws IOException {
    in.skipString();
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = checked(in.readLong(), "Bytes length");
    ByteBuffer result;
    if (old != null && length <= old.capacity()) {
      result = old;
      result.clear();
    } else {
      result = ByteBuffer.allocate(length);
    }
    in.readFixed(result.array(), result.position(), length);
    result.limit(length);
    return result;
  }

  @Override
  public void skipBytes() throws IOException {
    in.skipBytes();
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    in.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    in.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return in.readEnum();
  }

  @Override
  public long readArrayStart() throws IOException {
    return checked(in.readArrayStart(), "Array block of items");
  }

  @Override
  public long arrayNext() throws IOException {
    return checked(in.arrayNext(), "Array block of items");
  }

  @Override
  public long skipArray() throws IOException {
    return in.skipArray();
  }

  @Override
  public long readMapStart() throws IOException {
    return checked(in.readMapStart(), "Map block of entries");
  }

  @Override
  public long mapNext() throws IOException {
    return checked(in.mapNext(), "Map block of entries");
  }

  @Override
  public long skipMap() throws IOException {
    return in.skipMap();
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }
}
