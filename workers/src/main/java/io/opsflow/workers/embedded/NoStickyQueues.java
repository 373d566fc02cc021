package io.opsflow.workers.embedded;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;

/**
 * Strips sticky execution attributes from workflow task completions on the embedded server.
 *
 * <p>The Java test server keeps sending a workflow's next task to the sticky queue of the worker
 * that last ran it, and neither falls back to the normal queue after a timeout nor honours
 * ShutdownWorker or ResetStickyTaskQueue as a real Temporal server does. A worker that is restarted
 * would therefore never see the workflows it had cached. Without sticky attributes every task goes
 * to the normal queue, so any live worker picks it up (the worker replays the short history instead
 * of using its cache).
 */
final class NoStickyQueues implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      @Override
      @SuppressWarnings("unchecked")
      public void onMessage(Q message) {
        if (message instanceof RespondWorkflowTaskCompletedRequest completed
            && completed.hasStickyAttributes()) {
          message = (Q) completed.toBuilder().clearStickyAttributes().build();
        }
        super.onMessage(message);
      }
    };
  }
}
