package io.annals.node.http;

import io.annals.api.AppendResult;
import io.annals.api.Problem;
import io.annals.node.log.Position;
import io.annals.node.stream.StreamEntity.AlreadyAppended;
import io.annals.node.stream.StreamEntity.AppendReply;
import io.annals.node.stream.StreamEntity.Appended;
import io.annals.node.stream.StreamEntity.EventOutcome;
import io.annals.node.stream.StreamEntity.IdempotencyConflict;
import io.annals.node.stream.StreamEntity.NotInvalidatable;
import io.annals.node.stream.StreamEntity.TooManyKeys;
import io.annals.node.stream.StreamEntity.Unavailable;
import io.annals.node.stream.StreamEntity.UnknownTransaction;
import io.annals.node.stream.StreamEntity.WrongExpectedVersion;
import java.util.List;

/**
 * Maps a stream's answer to an append onto the API: the status and either the {@link AppendResult}
 * (201 written, 200 exact retry or fully de-duplicated) or the {@link Problem} (409, 503). Shared
 * by the single-stream and the multi-stream write.
 */
final class AppendAnswers {
  private AppendAnswers() {}

  /** The API answer to one append: a status and a body (an AppendResult or a Problem). */
  record Answer(int status, Object body) {
    boolean succeeded() {
      return body instanceof AppendResult;
    }
  }

  static Answer answer(String stream, AppendReply reply) {
    if (reply instanceof Appended a) {
      return new Answer(
          201, result(stream, a.firstVersion(), a.lastVersion(), a.transaction(), a.events()));
    }
    if (reply instanceof AlreadyAppended a) {
      return new Answer(
          200, result(stream, a.firstVersion(), a.lastVersion(), a.transaction(), a.events()));
    }
    if (reply instanceof WrongExpectedVersion w) {
      Problem p =
          Problems.problem(
                  409,
                  "wrong-expected-version",
                  "Wrong expected version",
                  "expected version "
                      + w.expected()
                      + ", stream "
                      + stream
                      + " is at "
                      + w.actual())
              .with("expectedVersion", expectedAsJson(w.expected()))
              .with("actualVersion", w.actual());
      return new Answer(409, p);
    }
    if (reply instanceof IdempotencyConflict c) {
      return new Answer(
          409,
          Problems.problem(
              409,
              "idempotency-conflict",
              "Idempotency conflict",
              "stream " + stream + ": " + c.detail()));
    }
    if (reply instanceof UnknownTransaction u) {
      return new Answer(
          404,
          Problems.problem(
                  404,
                  "transaction-not-found",
                  "Transaction not found",
                  "stream "
                      + stream
                      + " has no transaction "
                      + u.transaction()
                      + "; its latest is "
                      + u.latest())
              .with("transaction", u.transaction()));
    }
    if (reply instanceof NotInvalidatable n) {
      return new Answer(
          409,
          Problems.problem(
                  409,
                  "not-invalidatable",
                  "Transaction cannot be invalidated",
                  "stream " + stream + ": " + n.detail())
              .with("transaction", n.transaction()));
    }
    if (reply instanceof TooManyKeys t) {
      return new Answer(
          422,
          Problems.problem(
              422,
              "too-many-keys",
              "Too many keys",
              "stream "
                  + stream
                  + " may have at most "
                  + t.limit()
                  + " keys (annals.stream.max-keys)"));
    }
    Unavailable u = (Unavailable) reply;
    return new Answer(503, Problems.problem(503, "unavailable", "Service unavailable", u.detail()));
  }

  private static AppendResult result(
      String stream, long first, long last, long transaction, List<EventOutcome> outcomes) {
    List<AppendResult.EventResult> events =
        outcomes.stream()
            .map(o -> new AppendResult.EventResult(o.id(), o.version(), o.deduplicated()))
            .toList();
    // the position waitFor accepts: the logs have reached this append once they index "last"
    String position = last > 0 ? new Position.Append(stream, last).encode() : null;
    return new AppendResult(stream, first, last, transaction, position, events);
  }

  private static Object expectedAsJson(String expected) {
    return expected.chars().allMatch(Character::isDigit)
        ? (Object) Long.parseLong(expected)
        : expected;
  }
}
