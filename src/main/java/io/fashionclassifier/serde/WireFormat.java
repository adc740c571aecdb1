package io.fashionclassifier.serde;

/**
 * Confluent's schema registry wire format: byte 0 is the magic byte 0, bytes 1-4 the schema id (big-endian
 * signed int), then the Avro binary encoding of the datum with that schema, with nothing after it.
 */
public final class WireFormat {

  /** The only version of the format. */
  public static final byte MAGIC_BYTE = 0x0;
  /** Magic byte plus schema id. */
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** The schema id of a payload already known to be at least {@link #HEADER_SIZE} bytes long. */
  public static int schemaId(byte[] payload) {
    return (payload[1] & 0xff) << 24 | (payload[2] & 0xff) << 16 | (payload[3] & 0xff) << 8 | (payload[4] & 0xff);
  }

  static void writeHeader(java.io.ByteArrayOutputStream out, int schemaId) {
    out.write(MAGIC_BYTE);
    out.write(schemaId >>> 24);
    out.write(schemaId >>> 16);
    out.write(schemaId >>> 8);
    out.write(schemaId);
  }
}
