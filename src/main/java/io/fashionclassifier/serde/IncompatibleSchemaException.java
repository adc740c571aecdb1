package io.fashionclassifier.serde;

/** The payload's writer schema cannot be resolved against the reader schema (Avro schema resolution rules). */
public final class IncompatibleSchemaException extends AvroSerializationException {

  private static final long serialVersionUID = 1L;

  private final String writerSchemaName;
  private final String readerSchemaName;

  public IncompatibleSchemaException(String problem, String writerSchemaName, String readerSchemaName, String topic,
      boolean isKey, int schemaId) {
    super("Writer schema " + writerSchemaName + " cannot be read as " + readerSchemaName + ": " + problem, topic,
        isKey, schemaId, null);
    this.writerSchemaName = writerSchemaName;
    this.readerSchemaName = readerSchemaName;
  }

  /** Full name of the schema the payload was written with. */
  public String writerSchemaName() {
    return writerSchemaName;
  }

  /** Full name of the schema (or generated class) the deserializer reads into, "(none)" when none was found. */
  public String readerSchemaName() {
    return readerSchemaName;
  }
}
