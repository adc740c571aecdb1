package io.fashionclassifier.serde;

/** The payload does not start with the wire format's magic byte 0: not written by a schema-registry serializer. */
public final class UnknownMagicByteException extends AvroSerializationException {

  private static final long serialVersionUID = 1L;

  private final byte magicByte;

  public UnknownMagicByteException(byte magicByte, String topic, boolean isKey) {
    super(String.format("Unknown magic byte 0x%02x, expected 0x00 (payload not in the schema registry wire format)",
        magicByte), topic, isKey, NO_SCHEMA_ID, null);
    this.magicByte = magicByte;
  }

  /** The first byte found. */
  public byte magicByte() {
    return magicByte;
  }
}
