package io.annals.node.http;

import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * Passes elements through and runs {@code onCancel} when its downstream cancels, but not when its
 * upstream completes. On a connection's responses that tells "the connection closed" (the server
 * cancels them) from "the client sends no more requests" (a request with {@code Connection: close}
 * completes the requests while its answer, perhaps a long subscription, is still being sent).
 */
final class OnCancel<T> extends GraphStage<FlowShape<T, T>> {
  private final Inlet<T> in = Inlet.create("OnCancel.in");
  private final Outlet<T> out = Outlet.create("OnCancel.out");
  private final FlowShape<T, T> shape = FlowShape.of(in, out);
  private final Runnable onCancel;

  OnCancel(Runnable onCancel) {
    this.onCancel = onCancel;
  }

  @Override
  public FlowShape<T, T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                push(out, grab(in));
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                pull(in);
              }

              @Override
              public void onDownstreamFinish(Throwable cause) throws Exception {
                onCancel.run();
                super.onDownstreamFinish(cause);
              }
            });
      }
    };
  }
}
