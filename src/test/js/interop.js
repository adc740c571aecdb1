// Confluent's official JavaScript Schema Registry client, driven by ConfluentJsInteropTest.
//
//   node interop.js write <registry-url> <topic>         prints a JSON array of base64 payloads it serialized
//   node interop.js read  <registry-url> <topic> <file>  reads a JSON array of base64 payloads, prints the records
//
// Records go through JSON with bytes as base64 and longs as numbers, so the Java test can compare field by field.
'use strict';

const fs = require('fs');
const { SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType } = require('@confluentinc/schemaregistry');

function pixels(seed) {
  const buffer = Buffer.alloc(28 * 28);
  for (let i = 0; i < buffer.length; i++) {
    buffer[i] = (i * seed) % 256;
  }
  return buffer;
}

// What the JavaScript side writes; the Java test expects exactly these values.
const RECORDS = [
  { itemId: 'js-1', scannerId: 'js-scanner', warehouseId: 'wh-js', captureTime: 1764000000123,
    width: 28, height: 28, pixels: pixels(3), label: 'SANDAL' },
  { itemId: 'js-2', scannerId: 'js-scanner', warehouseId: 'wh-js', captureTime: 1764000000456,
    width: 28, height: 28, pixels: pixels(5), label: null },
];

function toJson(record) {
  return { ...record, pixels: Buffer.from(record.pixels).toString('base64') };
}

// The client's retries share one timeout across attempts, so a timed-out request is not retried: retry here.
// Serializing with the latest version and deserializing are both safe to repeat.
async function retryingTimeouts(call, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !error || error.code !== 'ECONNABORTED') {
        throw error;
      }
      console.error(`registry request timed out (attempt ${attempt} of ${attempts}), retrying`);
    }
  }
}

async function main() {
  const [mode, url, topic, file] = process.argv.slice(2);
  // The client has no request timeout by default: a request the registry never answers (seen once with Apicurio
  // 3.3.3 on a busy machine: the request was received, never logged or answered) would hang forever.
  const client = new SchemaRegistryClient({ baseURLs: [url], createAxiosDefaults: { timeout: 10000 } });
  if (mode === 'write') {
    // The Java side registered the schema; write with the subject's latest version, as a producer that does not
    // own the schema would.
    const serializer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });
    const payloads = [];
    for (const record of RECORDS) {
      payloads.push((await retryingTimeouts(() => serializer.serialize(topic, record))).toString('base64'));
    }
    process.stdout.write(JSON.stringify(payloads));
  } else if (mode === 'read') {
    const deserializer = new AvroDeserializer(client, SerdeType.VALUE, {});
    const payloads = JSON.parse(fs.readFileSync(file, 'utf8'));
    const records = [];
    for (const payload of payloads) {
      records.push(toJson(await retryingTimeouts(() => deserializer.deserialize(topic, Buffer.from(payload, 'base64')))));
    }
    process.stdout.write(JSON.stringify(records));
  } else {
    throw new Error('usage: node interop.js write|read <registry-url> <topic> [file]');
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
