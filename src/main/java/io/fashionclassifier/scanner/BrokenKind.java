package io.fashionclassifier.scanner;

/** The ways the simulator breaks records on purpose, to show the dead-letter path. */
public enum BrokenKind {
  /** Not the Schema Registry wire format at all (first byte is not the magic byte 0). */
  NOT_AVRO,
  /** Framed correctly but naming a schema id that the registry does not know. */
  UNKNOWN_SCHEMA_ID,
  /** Wire format cut off in the middle of the Avro body. */
  TRUNCATED,
  /** A valid record whose image is not 28x28. */
  WRONG_SIZE
}
