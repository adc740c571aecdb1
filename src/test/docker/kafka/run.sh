#!/bin/sh
# Starts one KRaft broker. Two ways to configure it:
# - the official apache/kafka image's contract, used when KAFKA_PROCESS_ROLES is set: every KAFKA_<NAME> variable
#   becomes the server property <name> ('_' -> '.', '__' -> '_', '___' -> '-'), CLUSTER_ID names the cluster, and
#   the storage is formatted on first start (docker-compose.yml and the container tests use this);
# - otherwise a combined broker+controller on KAFKA_PORT (default 9092) and KAFKA_CONTROLLER_PORT (9093),
#   advertised as KAFKA_ADVERTISED_HOST (default localhost).
# Meant for host networking.
set -eu
CP='/opt/kafka/libs/*'
JAVA_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m} -Dlogback.configurationFile=/opt/kafka/logback.xml"
PROPS="$(mktemp -d)/server.properties"
if [ -n "${KAFKA_PROCESS_ROLES:-}" ]; then
  # the variables the official image reads as JVM settings, not server properties
  env | grep '^KAFKA_' | grep -v -E '^KAFKA_(HEAP_OPTS|JVM_PERFORMANCE_OPTS|LOG4J_OPTS|OPTS|PORT|CONTROLLER_PORT|ADVERTISED_HOST)=' \
    | while IFS='=' read -r name value; do
        key="$(printf '%s' "${name#KAFKA_}" | tr 'A-Z' 'a-z' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')"
        printf '%s=%s\n' "$key" "$value"
      done > "$PROPS"
  grep -q '^log.dirs=' "$PROPS" || echo "log.dirs=/tmp/kraft-combined-logs" >> "$PROPS"
  LOG_DIR="$(sed -n 's/^log.dirs=//p' "$PROPS" | cut -d, -f1)"
  CLUSTER="${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}"
  if [ ! -f "$LOG_DIR/meta.properties" ]; then
    if grep -q '^controller.quorum.voters=' "$PROPS"; then FORMAT=""; else FORMAT="--standalone"; fi
    java $JAVA_OPTS -cp "$CP" kafka.tools.StorageTool format $FORMAT -t "$CLUSTER" -c "$PROPS" >/dev/null
  fi
else
  PORT="${KAFKA_PORT:-9092}"
  CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
  HOST="${KAFKA_ADVERTISED_HOST:-localhost}"
  cat > "$PROPS" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${HOST}:${PORT}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$(dirname "$PROPS")/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=1
PROPERTIES
  java $JAVA_OPTS -cp "$CP" kafka.tools.StorageTool format --standalone \
    -t "$(java -cp "$CP" kafka.tools.StorageTool random-uuid)" -c "$PROPS" >/dev/null
fi
exec java $JAVA_OPTS -cp "$CP" kafka.Kafka "$PROPS"
