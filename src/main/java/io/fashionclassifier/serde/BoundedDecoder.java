package io.fashionclassifier.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * A binary decoder over a payload of known size that bounds what one record may cost.
 *
 * <ul>
 *   <li>Lengths larger than the payload are refused before allocating anything (reported as {@link EOFException},
 *     i.e. a truncated payload): Avro itself allocates a string or byte buffer of the length the bytes claim (up to
 *     2 GiB), so a few garbage bytes could cost a gigabyte of heap per record.</li>
 *   <li>Array items and map entries, read <em>or skipped</em>, are counted against one budget per record of
 *     {@link #itemBudget(long)} (reported as {@link ItemBudgetExceededException}). Items that encode to zero
 *     bytes (nulls, empty records) cost no input, so without it a few bytes claiming blocks of 2^31-1 items keep a
 *     thread busy for hours, even in a field the reader skips.</li>
 * </ul>
 *
 * <p>Limit: a record can hold no more array items and map entries in all than its body has bytes, or
 * {@value #MIN_ITEM_BUDGET} in a smaller body. Items of at least one byte always fit.
 */
final class BoundedDecoder extends Decoder {

  /** Items a record may hold in all however small its body, so short records of empty items still decode. */
  static final long MIN_ITEM_BUDGET = 1024;

  /** The total-item budget of one record is exceeded: malformed or hostile, never truncated. */
  static final class ItemBudgetExceededException extends IOException {
    private static final long serialVersionUID = 1L;

    ItemBudgetExceededException(String message) {
      super(message);
    }
  }

  private BinaryDecoder in;
  private long limit;
  private long budget;
  private long itemsLeft;

  /** Points this decoder at a new payload body of {@code limit} bytes, with a fresh item budget. */
  BoundedDecoder reset(BinaryDecoder in, long limit) {
    this.in = in;
    this.limit = limit;
    this.budget = itemBudget(limit);
    this.itemsLeft = budget;
    return this;
  }

  /** Array items and map entries, read or skipped, that a record of {@code bodyLength} bytes may hold in all. */
  static long itemBudget(long bodyLength) {
    return Math.max(MIN_ITEM_BUDGET, bodyLength);
  }

  /** Charges one block of items to the record's budget. */
  private long items(long count, String what) throws IOException {
    if (count < 0) {
      throw new AvroRuntimeException("Negative " + what + ": " + count);
    }
    if (count > itemsLeft) {
      throw new ItemBudgetExceededException(what + " of " + count + " exceeds what is left (" + itemsLeft
          + ") of the record's budget of " + budget + " array items and map entries, read or skipped, for a body of "
          + limit + " bytes");
    }
    itemsLeft -= count;
    return count;
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
    return items(in.readArrayStart(), "Array block of items");
  }

  @Override
  public long arrayNext() throws IOException {
    return items(in.arrayNext(), "Array block of items");
  }

  /** Blocks written with their byte size are skipped whole by Avro; the others come back item by item. */
  @Override
  public long skipArray() throws IOException {
    return items(in.skipArray(), "Skipped array block of items");
  }

  @Override
  public long readMapStart() throws IOException {
    return items(in.readMapStart(), "Map block of entries");
  }

  @Override
  public long mapNext() throws IOException {
    return items(in.mapNext(), "Map block of entries");
  }

  @Override
  public long skipMap() throws IOException {
    return items(in.skipMap(), "Skipped map block of entries");
  }

  @Override
  public int readIndex() throws IOException {
    return in.readIndex();
  }
}
