package io.fashionclassifier.serde;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects an answer's body up to a limit, then stops reading (which closes the connection) and marks it truncated,
 * so an endless or huge answer costs at most the limit in heap.
 */
final class LimitedBody implements HttpResponse.BodySubscriber<LimitedBody.Bytes> {

  /** The body read, and whether it went on past the limit. */
  record Bytes(byte[] bytes, boolean truncated) {}

  private final int limit;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private final CompletableFuture<Bytes> result = new CompletableFuture<>();
  private Flow.Subscription subscription;

  LimitedBody(int limit) {
    this.limit = limit;
  }

  @Override
  public CompletionStage<Bytes> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer item : items) {
      int room = limit - buffer.size();
      if (item.remaining() > room) {
        byte[] part = new byte[room];
        item.get(part);
        buffer.writeBytes(part);
        subscription.cancel();
        result.complete(new Bytes(buffer.toByteArray(), true));
        return;
      }
      byte[] all = new byte[item.remaining()];
      item.get(all);
      buffer.writeBytes(all);
    }
  }

  @Override
  public void onError(Throwable throwable) {
    result.completeExceptionally(throwable);
  }

  @Override
  public void onComplete() {
    result.complete(new Bytes(buffer.toByteArray(), false));
  }
}
