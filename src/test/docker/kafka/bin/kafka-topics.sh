#!/bin/sh
# The official image's topic tool at the same path, so compose health checks and init jobs run on either image.
exec java -Xmx256m -Dlogback.configurationFile=/opt/kafka/logback.xml -cp '/opt/kafka/libs/*' org.apache.kafka.tools.TopicCommand "$@"
