#!/bin/sh
# Starts one combined broker+controller on KAFKA_PORT (default 9092) and KAFKA_CONTROLLER_PORT (9093),
# advertised as KAFKA_ADVERTISED_HOST (default localhost). Meant for host networking.
set -eu
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HOST="${KAFKA_ADVERTISED_HOST:-localhost}"
DIR="$(mktemp -d)"
cat > "$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${HOST}:${PORT}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${DIR}/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=1
PROPS
CP='/opt/kafka/libs/*'
JAVA_OPTS="-Xmx512m -Dlogback.configurationFile=/opt/kafka/logback.xml"
java $JAVA_OPTS -cp "$CP" kafka.tools.StorageTool format --standalone \
  -t "$(java -cp "$CP" kafka.tools.StorageTool random-uuid)" -c "$DIR/server.properties" >/dev/null
exec java $JAVA_OPTS -cp "$CP" kafka.Kafka "$DIR/server.properties"
