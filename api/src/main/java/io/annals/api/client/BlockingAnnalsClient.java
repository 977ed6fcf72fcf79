package io.annals.api.client;

import io.annals.api.AppendResult;
import io.annals.api.ExpectedVersion;
import io.annals.api.LogPage;
import io.annals.api.ProposedEvent;
import io.annals.api.RecordedEvent;
import io.annals.api.StreamNames;
import io.annals.api.StreamPage;
import io.annals.api.StreamWrite;
import io.annals.api.WriteResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The blocking form of {@link AnnalsClient}: each call waits for the answer and throws the server's
 * problem as an {@link AnnalsException} (not wrapped). Groups and keys: {@link #await} their
 * futures.
 */
public final class BlockingAnnalsClient {
  private final AnnalsClient client;

  BlockingAnnalsClient(AnnalsClient client) {
    this.client = client;
  }

  /** Waits for {@code future}; rethrows its failure unwrapped. */
  public static <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  public AppendResult appendToStream(
      String stream, ExpectedVersion expected, List<ProposedEvent> events) {
    return await(client.appendToStream(stream, expected, events));
  }

  public AppendResult appendToStream(String stream, List<ProposedEvent> events) {
    return await(client.appendToStream(stream, events));
  }

  public List<WriteResult> appendToStreams(List<StreamWrite> writes) {
    return await(client.appendToStreams(writes));
  }

  public StreamPage readStream(String stream, long from, int limit) {
    return await(client.readStream(stream, from, limit));
  }

  public StreamPage readStreamBackward(String stream, long from, int limit) {
    return await(client.readStreamBackward(stream, from, limit));
  }

  public StreamPage readStreamBackward(String stream, int limit) {
    return await(client.readStreamBackward(stream, limit));
  }

  public List<RecordedEvent> readAllEvents(String stream) {
    return await(client.readAllEvents(stream));
  }

  public RecordedEvent readEvent(String stream, long version) {
    return await(client.readEvent(stream, version));
  }

  public StreamPage readSurface(String stream, String afterKey, int limit) {
    return await(client.readSurface(stream, afterKey, limit));
  }

  public AppendResult invalidateTransaction(String stream, long transaction, String reason) {
    return await(client.invalidateTransaction(stream, transaction, reason));
  }

  public LogPage readAll(String after, int limit, String waitFor) {
    return await(client.readAll(after, limit, waitFor));
  }

  public LogPage readCategory(String category, String after, int limit, String waitFor) {
    return await(client.readCategory(category, after, limit, waitFor));
  }

  public StreamNames listStreams(String after, int limit) {
    return await(client.listStreams(after, limit));
  }
}
