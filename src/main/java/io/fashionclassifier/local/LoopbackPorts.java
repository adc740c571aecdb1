package io.fashionclassifier.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for servers started in other processes. All the requested ports are held open until every
 * one is chosen: asking twice in a row for "any free port" may return the same port twice.
 */
public final class LoopbackPorts {

  private LoopbackPorts() {}

  /** {@code count} distinct ports that were free a moment ago (another process may still take one first). */
  public static int[] free(int count) {
    List<ServerSocket> sockets = new ArrayList<>(count);
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find " + count + " free loopback ports", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // nothing was accepted on it
        }
      }
    }
  }
}
