package io.opsflow.device.telemetry;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RELP connection of the intake. The reading side takes frames: {@code open} is answered with
 * the offers ({@code relp_version=0}, {@code commands=syslog}); each {@code syslog} message goes to
 * the intake's queue with a {@link Reply} that the writer completes once the message's batch is
 * committed to PostgreSQL; {@code close} is answered after every earlier reply. The writing side
 * sends the replies in the order of the commands (as RELP requires), each only when it is complete,
 * so {@code rsp 200 OK} for a message never leaves before the message is stored. A malformed frame
 * (or one over the size limit) ends the session with {@code serverclose}: the stream cannot be
 * re-synchronised and the sender resends what it has not seen acknowledged.
 */
final class RelpSession {

  private static final Logger log = LoggerFactory.getLogger(RelpSession.class);

  static final String SOFTWARE = "opsflow,1,https://github.com/opsflow";

  /** Where a received syslog message goes: the intake's queue (blocks while it is full). */
  interface Sink {
    void put(String text, String sourceIp, Reply reply) throws InterruptedException;
  }

  /** The response to one command, sent when complete. */
  static final class Reply {
    final long txnr;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile String status;

    Reply(long txnr) {
      this.txnr = txnr;
    }

    static Reply of(long txnr, String status) {
      Reply r = new Reply(txnr);
      r.complete(status);
      return r;
    }

    /** Sets the response data ({@code 200 OK}, {@code 500 ...}); the first call wins. */
    void complete(String status) {
      if (done.getCount() > 0) {
        this.status = status;
        done.countDown();
      }
    }

    boolean await(long millis) throws InterruptedException {
      return done.await(millis, TimeUnit.MILLISECONDS);
    }
  }

  /** After the last reply: close the connection. */
  private static final Reply END = new Reply(0);

  /** Before END: tell the client the server closes ({@code 0 serverclose 0}). */
  private static final Reply SERVERCLOSE = new Reply(0);

  private final SocketChannel channel;
  private final String sourceIp;
  private final int maxData;
  private final Sink sink;
  private final Consumer<String> refused;
  private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();

  RelpSession(
      SocketChannel channel, String sourceIp, int maxData, Sink sink, Consumer<String> refused) {
    this.channel = channel;
    this.sourceIp = sourceIp;
    this.maxData = maxData;
    this.sink = sink;
    this.refused = refused;
  }

  /** Serves the connection until it ends; the replies are written by a thread of their own. */
  void serve() {
    Socket socket = channel.socket();
    Thread writer = Thread.ofVirtual().name("syslog-relp-out").start(this::writeReplies);
    // not closed before the writer is done: closing a socket's stream closes the socket
    try {
      var in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      boolean open = false;
      RelpFrame frame;
      while ((frame = RelpFrame.read(in, maxData)) != null) {
        switch (frame.command()) {
          case "open" -> {
            if (open) {
              refuse(frame, "open", "500 session already open");
              continue;
            }
            Map<String, String> offers = RelpFrame.offers(frame.text());
            String commands = offers.get("commands");
            if (!offers.containsKey("relp_version")
                || (commands != null && !commands.contains("syslog"))) {
              refuse(frame, "open", "500 open must offer relp_version and commands=syslog");
              return;
            }
            open = true;
            replies.add(
                Reply.of(
                    frame.txnr(),
                    "200 OK\nrelp_version=0\nrelp_software=" + SOFTWARE + "\ncommands=syslog"));
          }
          case "syslog" -> {
            if (!open) {
              refuse(frame, "not_open", "500 open expected before syslog");
              return;
            }
            if (frame.data().length == 0) {
              refuse(frame, "empty", "500 syslog frame without a message");
              continue;
            }
            Reply reply = new Reply(frame.txnr());
            replies.add(reply);
            sink.put(frame.text(), sourceIp, reply);
          }
          case "close" -> {
            replies.add(Reply.of(frame.txnr(), "200 OK"));
            return;
          }
          default -> refuse(frame, "command", "500 command not supported: " + frame.command());
        }
      }
    } catch (RelpFrame.Malformed e) {
      refused.accept(e.reason());
      log.warn("relp frame from {} refused, closing the session: {}", sourceIp, e.getMessage());
      replies.add(SERVERCLOSE);
    } catch (EOFException e) {
      log.debug("relp connection from {} ended inside a frame", sourceIp);
    } catch (IOException e) {
      log.debug("relp connection from {} ended: {}", sourceIp, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      replies.add(END);
      try {
        writer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      closeQuietly();
    }
  }

  private void refuse(RelpFrame frame, String reason, String status) {
    refused.accept(reason);
    log.warn("relp {} from {} refused: {}", frame, sourceIp, status);
    replies.add(Reply.of(frame.txnr(), status));
  }

  /**
   * Writes the replies in command order, each once complete; flushes whenever none is ready. Ends
   * at END, when the connection breaks, or when the intake closed the channel (stop): replies still
   * pending then are never sent, and the sender resends those messages.
   */
  private void writeReplies() {
    try {
      OutputStream out = new BufferedOutputStream(channel.socket().getOutputStream(), 16 * 1024);
      while (true) {
        Reply reply = replies.poll();
        if (reply == null) {
          out.flush();
          reply = replies.take();
        }
        if (reply == END) {
          out.flush();
          return;
        }
        if (reply == SERVERCLOSE) {
          out.write(new RelpFrame(0, "serverclose", new byte[0]).encode());
          continue;
        }
        if (!reply.await(0)) {
          out.flush();
          while (!reply.await(200)) {
            if (!channel.isOpen()) {
              return;
            }
          }
        }
        out.write(RelpFrame.of(reply.txnr, "rsp", reply.status).encode());
      }
    } catch (IOException e) {
      log.debug("relp replies to {} not sent: {}", sourceIp, e.toString());
      closeQuietly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietly() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // already gone
    }
  }
}
