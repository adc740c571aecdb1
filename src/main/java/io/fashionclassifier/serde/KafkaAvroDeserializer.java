package io.fashionclassifier.serde;

import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads payloads in the schema registry wire format. The writer schema is fetched by id and resolved against the
 * reader schema: the generated class (with {@value AvroSerdeConfig#SPECIFIC_AVRO_READER}=true), the subject's
 * latest schema ({@value AvroSerdeConfig#USE_LATEST_VERSION}=true) or the writer schema itself. The resolving
 * reader is built once per writer id and reused; decoders are reused per thread. Thread-safe.
 *
 * <p>Everything about one record raises a poison pill ({@link AvroSerializationException#isPoisonPill()} true):
 * {@link UnknownMagicByteException}, {@link TruncatedPayloadException}, {@link MalformedPayloadException} (also for a
 * record whose arrays and maps, read or skipped, hold more items than {@link BoundedDecoder} allows),
 * {@link UnknownSchemaIdException}, {@link UnsupportedSchemaException} (the id names a JSON, Protobuf or unparsable
 * schema), {@link SchemaAccessDeniedException} (403 for that id), {@link IncompatibleSchemaException} (also a
 * writer schema of another record type or a primitive when a generated class is expected). A registry that fails
 * as a whole (no answer, 5xx, 401, 429 after retries) raises {@link SchemaRegistryAccessException}, not a poison
 * pill. See {@link SchemaRegistryException#concernsTheSchemaOnly()}.
 */
public final class KafkaAvroDeserializer extends AbstractKafkaAvroSerDe implements Deserializer<Object> {

  private static final ThreadLocal<BoundedDecoder> DECODERS = ThreadLocal.withInitial(BoundedDecoder::new);

  private boolean specificReader;
  private Class<?> specificType;
  // Set by SpecificAvroDeserializer: what it returns must be a generated record class, of this one when given.
  private boolean requireSpecificRecord;
  private Class<?> fixedType;

  // Either a reader or why there can be none, per writer id (and per subject when reading into the latest schema).
  private final ConcurrentMap<PlanKey, Plan> plans = new ConcurrentHashMap<>();

  private record PlanKey(int writerId, String subject) {}

  private record Plan(DatumReader<Object> reader, Schema writer, String readerName, String incompatibility) {}

  /** For Kafka's reflective construction; {@link #configure} creates the registry client. */
  public KafkaAvroDeserializer() {
    super(null);
  }

  /** Uses the given client; {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL} is then optional. */
  public KafkaAvroDeserializer(SchemaRegistryClient client) {
    super(client);
  }

  public KafkaAvroDeserializer(SchemaRegistryClient client, Map<String, ?> props) {
    this(client);
    configure(props, false);
  }

  @Override
  public void configure(Map<String, ?> props, boolean isKey) {
    AvroSerdeConfig config = configureCommon(props, isKey);
    this.specificReader = config.specificAvroReader();
    this.specificType = fixedType != null ? fixedType : config.specificAvroType(isKey);
  }

  /**
   * Makes this deserializer return only generated record classes ({@code SpecificRecord}), of {@code type} when not
   * null (which then wins over {@value AvroSerdeConfig#SPECIFIC_AVRO_VALUE_TYPE}); anything else is a poison pill.
   */
  void requireSpecificRecord(Class<?> type) {
    this.requireSpecificRecord = true;
    this.fixedType = type;
    if (type != null) {
      this.specificType = type;
    }
  }

  @Override
  public Object deserialize(String topic, byte[] payload) {
    if (payload == null) {
      return null;
    }
    client(); // fails before configure()
    if (payload.length > 0 && payload[0] != WireFormat.MAGIC_BYTE) {
      throw new UnknownMagicByteException(payload[0], topic, isKey);
    }
    if (payload.length < WireFormat.HEADER_SIZE) {
      throw new TruncatedPayloadException("Payload of " + payload.length + " bytes is shorter than the "
          + WireFormat.HEADER_SIZE + "-byte header", topic, isKey, AvroSerializationException.NO_SCHEMA_ID, null);
    }
    int id = WireFormat.schemaId(payload);
    Plan plan = plan(topic, id);
    if (plan.reader() == null) {
      throw new IncompatibleSchemaException(plan.incompatibility(), plan.writer().getFullName(), plan.readerName(),
          topic, isKey, id);
    }
    int bodyLength = payload.length - WireFormat.HEADER_SIZE;
    BoundedDecoder bounded = DECODERS.get();
    BinaryDecoder decoder = DecoderFactory.get()
        .binaryDecoder(payload, WireFormat.HEADER_SIZE, bodyLength, bounded.binaryDecoder());
    bounded.reset(decoder, bodyLength);
    Object datum;
    try {
      datum = plan.reader().read(null, bounded);
    } catch (StackOverflowError e) {
      // A recursive writer schema lets a few bytes per level nest deeper than any stack.
      throw new MalformedPayloadException("Avro body nests " + plan.writer().getFullName()
          + " records deeper than the stack allows", topic, isKey, id, null);
    } catch (EOFException e) {
      throw new TruncatedPayloadException("Avro body of " + (payload.length - WireFormat.HEADER_SIZE)
          + " bytes ends before the end of a " + plan.writer().getFullName() + " record", topic, isKey, id, e);
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
        | ClassCastException e) {
      throw new MalformedPayloadException("Avro body is not a valid " + plan.writer().getFullName() + ": " + e,
          topic, isKey, id, e);
    }
    try {
      if (!decoder.isEnd()) {
        throw new MalformedPayloadException("Avro body has bytes left after the end of the "
            + plan.writer().getFullName() + " record", topic, isKey, id, null);
      }
    } catch (IOException e) {
      throw new MalformedPayloadException("Cannot read the Avro body: " + e, topic, isKey, id, e);
    }
    if (specificType != null && !specificType.isInstance(datum)
        || requireSpecificRecord && !(datum instanceof SpecificRecord)) {
      // Schema resolution should have refused it already; never hand the caller an object of another class.
      throw new IncompatibleSchemaException("decoded as " + (datum == null ? "null" : datum.getClass().getName()),
          plan.writer().getFullName(), plan.readerName(), topic, isKey, id);
    }
    return datum;
  }

  private Plan plan(String topic, int id) {
    Schema writer = null;
    String subject = null;
    if (useLatestVersion && !specificReader) {
      writer = writerSchema(topic, id);
      subject = subjectNameStrategy.subjectName(topic, isKey, writer);
    }
    PlanKey key = new PlanKey(id, subject);
    Plan plan = plans.get(key);
    if (plan != null) {
      return plan;
    }
    if (writer == null) {
      writer = writerSchema(topic, id);
    }
    plan = newPlan(topic, writer, subject);
    Plan raced = plans.putIfAbsent(key, plan);
    return raced != null ? raced : plan;
  }

  private Schema writerSchema(String topic, int id) {
    try {
      return client().getSchemaById(id);
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND) {
        throw new UnknownSchemaIdException(topic, isKey, id, e);
      }
      if (e.status() == 403) {
        throw new SchemaAccessDeniedException(topic, isKey, id, e);
      }
      if (e.errorCode() == SchemaRegistryException.UNUSABLE_SCHEMA) {
        throw new UnsupportedSchemaException(topic, isKey, id, e);
      }
      throw new SchemaRegistryAccessException("Error fetching schema " + id, topic, isKey, id, e);
    }
  }

  private Plan newPlan(String topic, Schema writer, String subject) {
    Schema reader;
    if (specificReader) {
      Class<?> type = specificType != null ? specificType : SpecificData.get().getClass(writer);
      if (type == null) {
        return new Plan(null, writer, "(none)",
            "no generated class " + writer.getFullName() + " on the classpath to read it into");
      }
      if (requireSpecificRecord && !SpecificRecord.class.isAssignableFrom(type)) {
        return new Plan(null, writer, type.getName(),
            "not a generated Avro record class (SpecificRecord) but " + type.getName());
      }
      reader = SpecificData.get().getSchema(type);
    } else if (subject != null) {
      try {
        reader = client().getLatestSchemaMetadata(subject).schema();
      } catch (SchemaRegistryException e) {
        throw new SchemaRegistryAccessException("Error fetching the latest schema of subject '" + subject + "'",
            topic, isKey, AvroSerializationException.NO_SCHEMA_ID, e);
      }
    } else {
      reader = writer;
    }
    String incompatibility = reader == writer ? null : SchemaResolution.incompatibility(reader, writer);
    if (incompatibility != null) {
      return new Plan(null, writer, reader.getFullName(), incompatibility);
    }
    DatumReader<Object> datumReader = specificReader
        ? new SpecificDatumReader<>(writer, reader)
        : new GenericDatumReader<>(writer, reader);
    return new Plan(datumReader, writer, reader.getFullName(), null);
  }
}
