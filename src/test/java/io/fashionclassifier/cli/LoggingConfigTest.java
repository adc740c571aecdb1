package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.net.URL;
import org.junit.jupiter.api.Test;

/** The shipped logging configuration (tests run with their own), read as the jar reads it. */
class LoggingConfigTest {

  @Test
  void djlsGpuProbeWarningIsQuietButOtherDjlWarningsShow() throws Exception {
    URL shipped = Main.class.getClassLoader().getResource("logback.xml");
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(shipped);

    assertThat(context.getLogger("ai.djl.util.cuda.CudaUtils").isEnabledFor(Level.WARN)).isFalse();
    assertThat(context.getLogger("ai.djl.util.cuda.CudaUtils").isEnabledFor(Level.ERROR)).isTrue();
    assertThat(context.getLogger("ai.djl.mxnet.engine.MxEngine").isEnabledFor(Level.WARN)).isTrue();
    context.stop();
  }
}
