#!/bin/sh
# The official image's tool at the same path (compose health check).
exec java -Xmx256m -Dlogback.configurationFile=/opt/kafka/logback.xml -cp '/opt/kafka/libs/*' org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
