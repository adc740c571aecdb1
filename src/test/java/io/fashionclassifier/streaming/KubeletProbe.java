package io.fashionclassifier.streaming;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An HTTP GET as the kubelet's probe sends it: a new connection, {@code Connection: close}, and one deadline for
 * connecting, sending and reading the whole answer. Missing the deadline is a failed probe, whatever the status.
 */
final class KubeletProbe {

  private KubeletProbe() {}

  /**
   * The status code of {@code path}.
   *
   * @throws SocketTimeoutException when the answer was not complete within {@code timeout}
   */
  static int get(int port, String path, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), remainingMillis(deadline, path));
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: kube-probe/1.33\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      while (true) {
        socket.setSoTimeout(remainingMillis(deadline, path));
        int read = in.read(chunk);
        if (read < 0) {
          break;
        }
        answer.write(chunk, 0, read);
      }
      remainingMillis(deadline, path);
      String text = answer.toString(StandardCharsets.ISO_8859_1);
      if (!text.startsWith("HTTP/1.1 ")) {
        throw new IOException(path + ": no HTTP answer, got '" + text + "'");
      }
      return Integer.parseInt(text.substring(9, 12));
    }
  }

  private static int remainingMillis(long deadline, String path) throws SocketTimeoutException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new SocketTimeoutException(path + " did not answer within the probe timeout");
    }
    return (int) left;
  }
}
