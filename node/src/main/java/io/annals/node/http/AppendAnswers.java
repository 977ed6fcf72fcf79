package io.annals.node.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * Maps a stream's answer to an append onto the API: a {@link Result} (201 written, 200 exact retry
 * or fully de-duplicated) or a {@link Refusal} (the {@link Problem} {@link Problems} makes of a
 * typed rejection). Shared by the single-stream and the multi-stream write.
 */
final class AppendAnswers {
  private AppendAnswers() {}

  /** The API answer to one append. */
  sealed interface Answer permits Result, Refusal {
    int status();

    /** What the answer's JSON body is made of. */
    Object body();
  }

  /** The append's events are in the stream: 201 written now, 200 an earlier answer repeated. */
  record Result(int status, AppendResult result) implements Answer {
    @Override
    public Object body() {
      return result;
    }
  }

  /** Nothing was written. */
  record Refusal(Problem problem) implements Answer {
    @Override
    public int status() {
      return problem.status();
    }

    @Override
    public Object body() {
      return problem;
    }
  }

  /** One branch per kind of {@link AppendReply} (a sealed interface: every kind is named). */
  static Answer answer(String stream, AppendReply reply) {
    if (reply instanceof Appended a) {
      return new Result(
          201, result(stream, a.firstVersion(), a.lastVersion(), a.transaction(), a.events()));
    } else if (reply instanceof AlreadyAppended a) {
      return new Result(
          200, result(stream, a.firstVersion(), a.lastVersion(), a.transaction(), a.events()));
    } else if (reply instanceof WrongExpectedVersion w) {
      return new Refusal(Problems.wrongExpectedVersion(stream, w.expected(), w.actual()));
    } else if (reply instanceof IdempotencyConflict c) {
      return new Refusal(Problems.idempotencyConflict(stream, c));
    } else if (reply instanceof UnknownTransaction u) {
      return new Refusal(Problems.transactionNotFound(stream, u.transaction(), u.latest()));
    } else if (reply instanceof NotInvalidatable n) {
      return new Refusal(Problems.notInvalidatable(stream, n.transaction(), n.isInvalidation()));
    } else if (reply instanceof TooManyKeys t) {
      return new Refusal(Problems.tooManyKeys(stream, t.limit()));
    } else if (reply instanceof Unavailable u) {
      return new Refusal(Problems.unavailableProblem(stream, u));
    }
    throw new IllegalArgumentException("an append reply of an unknown kind: " + reply);
  }

  /** The answer as one JSON object with its {@code status} (a multi-write's or a stream line's). */
  static ObjectNode entry(Answer answer) {
    ObjectNode node = Json.MAPPER.valueToTree(answer.body());
    node.put("status", answer.status());
    return node;
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
}
