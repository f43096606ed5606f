package io.weft.pipeline;

import io.weft.buffer.ReferenceCounted;
import io.weft.channel.Channel;
import io.weft.channel.PeerCaused;
import io.weft.internal.access.SharedSecrets;
import io.weft.internal.log.ThrottledLog;
import io.weft.internal.pipeline.PipelineAccess;
import io.weft.internal.pipeline.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered chain of {@link Handler}s of one channel, between a fixed head (which talks to the transport) and
 * a fixed tail (which releases what nobody consumed).
 *
 * <p>Handlers can be added, removed and replaced by name at any time, also from inside a handler callback; a
 * change takes effect for the next event that reaches that point of the chain. Structural changes are
 * thread-safe. {@code fire*} methods start an inbound event at the head; {@link #write}, {@link #flush},
 * {@link #read} and {@link #close} start an outbound operation at the tail. All handler callbacks run on the
 * channel's loop: called from another thread, these methods hand the work to the loop and return.
 *
 * <p>A handler that is not {@link Handler#isSharable() sharable} can be added only once, to one pipeline; adding
 * it again throws {@link IllegalStateException} (see {@link Handler}).
 */
public final class Pipeline {

    static final Logger log = LoggerFactory.getLogger(Pipeline.class);
    private static final ThrottledLog unhandledFaults = new ThrottledLog(log);
    static final ThrottledLog handlerFaults = new ThrottledLog(log);

    static {
        // Channels create their pipeline and ask about re-entrancy through this key; those members stay
        // package-private.
        SharedSecrets.setPipelineAccess(new PipelineAccess() {
            @Override
            public Pipeline newPipeline(Channel channel, Transport transport) {
                return new Pipeline(channel, transport);
            }

            @Override
            public boolean inHandlerCallback(Pipeline pipeline) {
                return pipeline.inHandlerCallback();
            }
        });
    }

    private final Channel channel;
    private final Transport transport;
    private final Context head;
    private final Context tail;
    private boolean exceptionLogged;
    /**
     * Inbound handler callbacks (and handlerAdded/handlerRemoved) of this pipeline now running on the loop;
     * loop-confined. Outbound callbacks are not counted: an operation started outside any event (a task on the loop)
     * is not re-entrant however many handlers it passes.
     */
    int callbackDepth;

    /**
     * Creates the pipeline of {@code channel}; reached by Weft's channels through {@link PipelineAccess}.
     *
     * @param transport carries out the outbound operations that reach the head
     */
    Pipeline(Channel channel, Transport transport) {
        this.channel = channel;
        this.transport = transport;
        this.head = new Context(this, "head", new HeadHandler());
        this.tail = new Context(this, "tail", new TailHandler());
        head.next = tail;
        tail.prev = head;
    }

    /** The channel this pipeline belongs to. */
    public Channel channel() {
        return channel;
    }

    /**
     * Whether an inbound handler callback (or handlerAdded/handlerRemoved) of this pipeline is running, so that an
     * operation a handler starts now is its own. Loop thread only; the channel reaches it through
     * {@link PipelineAccess#inHandlerCallback}.
     */
    boolean inHandlerCallback() {
        return callbackDepth > 0;
    }

    // ------------------------------------------------------------------ structure

    /** Adds {@code handler} right after the head, under {@code name}. */
    public Pipeline addFirst(String name, Handler handler) {
        Context ctx;
        synchronized (this) {
            ctx = newContext(name, handler);
            link(head, ctx);
        }
        added(ctx);
        return this;
    }

    /** Adds {@code handler} right before the tail, under {@code name}. */
    public Pipeline addLast(String name, Handler handler) {
        Context ctx;
        synchronized (this) {
            ctx = newContext(name, handler);
            link(tail.prev, ctx);
        }
        added(ctx);
        return this;
    }

    /** Adds {@code handler} right before the tail under a generated name. */
    public Pipeline addLast(Handler handler) {
        return addLast(null, handler);
    }

    /** Adds {@code handler} right before the handler named {@code baseName}. */
    public Pipeline addBefore(String baseName, String name, Handler handler) {
        Context ctx;
        synchronized (this) {
            Context base = existing(baseName);
            ctx = newContext(name, handler);
            link(base.prev, ctx);
        }
        added(ctx);
        return this;
    }

    /** Adds {@code handler} right after the handler named {@code baseName}. */
    public Pipeline addAfter(String baseName, String name, Handler handler) {
        Context ctx;
        synchronized (this) {
            Context base = existing(baseName);
            ctx = newContext(name, handler);
            link(base, ctx);
        }
        added(ctx);
        return this;
    }

    /**
     * Removes the handler named {@code name}.
     *
     * @return the removed handler
     * @throws NoSuchElementException if there is none
     */
    public Handler remove(String name) {
        Context ctx;
        synchronized (this) {
            ctx = existing(name);
            unlink(ctx);
        }
        removed(ctx);
        return ctx.handler;
    }

    /** Removes {@code handler}; throws {@link NoSuchElementException} if it is not in this pipeline. */
    public Pipeline remove(Handler handler) {
        Context ctx;
        synchronized (this) {
            ctx = find(handler);
            if (ctx == null) {
                throw new NoSuchElementException("handler " + handler + " is not in the pipeline");
            }
            unlink(ctx);
        }
        removed(ctx);
        return this;
    }

    /**
     * Replaces the handler named {@code oldName} by {@code handler} under {@code newName}, in the same place.
     *
     * @return the replaced handler
     */
    public Handler replace(String oldName, String newName, Handler handler) {
        Context old;
        Context ctx;
        synchronized (this) {
            old = existing(oldName);
            if (newName != null && !newName.equals(oldName) && find(newName) != null) {
                throw new IllegalArgumentException("duplicate handler name: " + newName);
            }
            if (handler == null) {
                throw new NullPointerException("handler");
            }
            HandlerMembership.claim(handler, channel.id());
            ctx = new Context(this, newName == null ? generateName(handler) : newName, handler);
            Context p = old.prev;
            Context n = old.next;
            ctx.prev = p;
            ctx.next = n;
            p.next = ctx;
            n.prev = ctx;
            // The old context keeps its links so that an event travelling through it still finds its way on.
            old.removed = true;
        }
        added(ctx);
        removed(old);
        return old.handler;
    }

    /** The handler named {@code name}, or {@code null}. */
    public Handler get(String name) {
        Context ctx = find(name);
        return ctx == null ? null : ctx.handler;
    }

    /** The first handler of type {@code type}, or {@code null}. */
    public <T extends Handler> T get(Class<T> type) {
        for (Context c = head.next; c != tail; c = c.next) {
            if (type.isInstance(c.handler)) {
                return type.cast(c.handler);
            }
        }
        return null;
    }

    /** The context of the handler named {@code name}, or {@code null}. */
    public HandlerContext context(String name) {
        return find(name);
    }

    /** The context of {@code handler}, or {@code null}. */
    public HandlerContext context(Handler handler) {
        return find(handler);
    }

    /** Names of the handlers from head to tail (head and tail excluded). */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (Context c = head.next; c != tail; c = c.next) {
            names.add(c.name);
        }
        return names;
    }

    private Context newContext(String name, Handler handler) {
        if (handler == null) {
            throw new NullPointerException("handler");
        }
        if (name == null) {
            name = generateName(handler);
        } else if (find(name) != null) {
            throw new IllegalArgumentException("duplicate handler name: " + name);
        }
        HandlerMembership.claim(handler, channel.id());
        return new Context(this, name, handler);
    }

    private String generateName(Handler handler) {
        String base = handler.getClass().getSimpleName();
        if (base.isEmpty()) {
            base = "handler";
        }
        for (int i = 0; ; i++) {
            String candidate = base + "#" + i;
            if (find(candidate) == null) {
                return candidate;
            }
        }
    }

    private static void link(Context after, Context ctx) {
        Context n = after.next;
        ctx.prev = after;
        ctx.next = n;
        n.prev = ctx;
        after.next = ctx;
    }

    private static void unlink(Context ctx) {
        Context p = ctx.prev;
        Context n = ctx.next;
        p.next = n;
        n.prev = p;
        ctx.removed = true;
    }

    private Context existing(String name) {
        Context ctx = find(name);
        if (ctx == null) {
            throw new NoSuchElementException("no handler named '" + name + "' in " + names());
        }
        return ctx;
    }

    private Context find(String name) {
        for (Context c = head.next; c != tail; c = c.next) {
            if (c.name.equals(name)) {
                return c;
            }
        }
        return null;
    }

    private Context find(Handler handler) {
        for (Context c = head.next; c != tail; c = c.next) {
            if (c.handler == handler) {
                return c;
            }
        }
        return null;
    }

    private void added(Context ctx) {
        runOnLoop(() -> {
            callbackDepth++;
            try {
                ctx.handler.handlerAdded(ctx);
            } catch (Throwable t) {
                callbackDepth--;
                synchronized (this) {
                    if (!ctx.removed) {
                        unlink(ctx);
                    }
                }
                fireExceptionCaught(new IllegalStateException(
                        "handlerAdded() of '" + ctx.name + "' failed; the handler was removed", t));
                return;
            }
            callbackDepth--;
        });
    }

    private void removed(Context ctx) {
        runOnLoop(() -> {
            callbackDepth++;
            try {
                ctx.handler.handlerRemoved(ctx);
            } catch (Throwable t) {
                callbackDepth--;
                fireExceptionCaught(t);
                return;
            }
            callbackDepth--;
        });
    }

    /** Removes every handler, calling each one's {@code handlerRemoved}; used by channels when they close. */
    public void removeAll() {
        List<Context> removed = new ArrayList<>();
        synchronized (this) {
            for (Context c = tail.prev; c != head; c = c.prev) {
                removed.add(c);
            }
            for (Context c : removed) {
                unlink(c);
            }
        }
        for (Context c : removed) {
            removed(c);
        }
    }

    private void runOnLoop(Runnable action) {
        if (channel.loop().inLoop()) {
            action.run();
        } else {
            channel.loop().execute(action);
        }
    }

    // ------------------------------------------------------------------ inbound, from the head

    /** Fires channel-active from the head. */
    public Pipeline fireChannelActive() {
        head.fireChannelActive();
        return this;
    }

    /** Fires channel-inactive from the head. */
    public Pipeline fireChannelInactive() {
        head.fireChannelInactive();
        return this;
    }

    /** Fires a read of {@code msg} from the head. */
    public Pipeline fireChannelRead(Object msg) {
        head.fireChannelRead(msg);
        return this;
    }

    /** Fires read-complete from the head. */
    public Pipeline fireChannelReadComplete() {
        head.fireChannelReadComplete();
        return this;
    }

    /** Fires writability-changed from the head. */
    public Pipeline fireWritabilityChanged() {
        head.fireWritabilityChanged();
        return this;
    }

    /** Fires a user event from the head. */
    public Pipeline fireUserEvent(Object event) {
        head.fireUserEvent(event);
        return this;
    }

    /** Fires an exception from the head. */
    public Pipeline fireExceptionCaught(Throwable cause) {
        head.fireExceptionCaught(cause);
        return this;
    }

    // ------------------------------------------------------------------ outbound, from the tail

    /** Writes {@code msg} through every handler from the tail; {@code promise} may be {@code null}. */
    public void write(Object msg, CompletableFuture<Void> promise) {
        tail.write(msg, promise);
    }

    /** Flushes through every handler from the tail. */
    public void flush() {
        tail.flush();
    }

    /** Writes and flushes; from another thread, as one task for the loop. */
    public void writeAndFlush(Object msg, CompletableFuture<Void> promise) {
        if (channel.loop().inLoop()) {
            tail.write(msg, promise);
            tail.flush();
            return;
        }
        try {
            channel.loop().execute(() -> {
                tail.write(msg, promise);
                tail.flush();
            });
        } catch (RejectedExecutionException e) {
            Context.refused(msg, promise, e);
        }
    }

    /** Requests a batch of reads through every handler from the tail. */
    public void read() {
        tail.read();
    }

    /** Closes through every handler from the tail. */
    public void close(CompletableFuture<Void> promise) {
        tail.close(promise);
    }

    /** Half-closes (see {@link HandlerContext#shutdownOutput}) through every handler from the tail. */
    public void shutdownOutput(CompletableFuture<Void> promise) {
        tail.shutdownOutput(promise);
    }

    @Override
    public String toString() {
        return "Pipeline" + names();
    }

    private final class HeadHandler implements Handler {
        @Override
        public void write(HandlerContext ctx, Object msg, CompletableFuture<Void> promise) {
            transport.write(msg, promise);
        }

        @Override
        public void flush(HandlerContext ctx) {
            transport.flush();
        }

        @Override
        public void read(HandlerContext ctx) {
            transport.read();
        }

        @Override
        public void close(HandlerContext ctx, CompletableFuture<Void> promise) {
            transport.close(promise);
        }

        @Override
        public void shutdownOutput(HandlerContext ctx, CompletableFuture<Void> promise) {
            transport.shutdownOutput(promise);
        }
    }

    private final class TailHandler implements Handler {
        @Override
        public void channelActive(HandlerContext ctx) {
        }

        @Override
        public void channelInactive(HandlerContext ctx) {
        }

        @Override
        public void channelRead(HandlerContext ctx, Object msg) {
            if (transport.unhandledInbound(msg)) {
                return;
            }
            log.debug("{}: message reached the end of the pipeline unhandled and was released: {}", channel, msg);
            ReferenceCounted.safeRelease(msg);
        }

        @Override
        public void channelReadComplete(HandlerContext ctx) {
        }

        @Override
        public void writabilityChanged(HandlerContext ctx) {
        }

        @Override
        public void userEvent(HandlerContext ctx, Object event) {
            ReferenceCounted.safeRelease(event);
        }

        @Override
        public void exceptionCaught(HandlerContext ctx, Throwable cause) {
            if (transport.unhandledException(cause)) {
                return;
            }
            // Peer-caused (PeerCaused, I/O): one DEBUG line, no trace. A fault of a handler or of Weft: WARN with
            // the trace, rate-limited so that a fault hit by every connection cannot flood the log.
            if (PeerCaused.isPeerCaused(cause)) {
                log.debug("{}: {}", channel, cause.toString());
            } else if (exceptionLogged) {
                log.debug("{}: further unhandled exception: {}", channel, cause.toString());
            } else {
                exceptionLogged = true;
                unhandledFaults.warn("{}: unhandled exception reached the end of the pipeline: {}", channel,
                        cause.toString(), cause);
            }
        }
    }
}
