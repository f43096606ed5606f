package io.weft.pipeline;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers every handler that is not {@link Handler#isSharable() sharable} and was added to a pipeline, so that
 * adding it a second time fails. Keys are weak and compared by identity: a handler that is no longer used is
 * forgotten by the garbage collector, and {@code equals} of user classes plays no part.
 */
final class HandlerMembership {

    private static final ClassValue<Boolean> ANNOTATED = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return type.isAnnotationPresent(Handler.Sharable.class);
        }
    };

    private static final ReferenceQueue<Handler> COLLECTED = new ReferenceQueue<>();
    /** Handler (weak, by identity) to the id of the channel whose pipeline it was first added to. */
    private static final ConcurrentHashMap<Key, Long> ADDED = new ConcurrentHashMap<>();

    private HandlerMembership() {
    }

    static boolean isAnnotatedSharable(Class<?> type) {
        return ANNOTATED.get(type);
    }

    /**
     * Records that {@code handler} is being added to the pipeline of channel {@code channelId}.
     *
     * @throws IllegalStateException if it is not sharable and was added to a pipeline before
     */
    static void claim(Handler handler, long channelId) {
        if (handler.isSharable()) {
            return;
        }
        expunge();
        Long previous = ADDED.putIfAbsent(new Key(handler, COLLECTED), channelId);
        if (previous != null) {
            throw new IllegalStateException(handler.getClass().getName() + "@"
                    + Integer.toHexString(System.identityHashCode(handler))
                    + " is not sharable and was already added to the pipeline of channel #" + previous
                    + "; create one instance per channel (in the ChannelInitializer), or, if it keeps no"
                    + " per-channel state, annotate its class with @Handler.Sharable");
        }
    }

    private static void expunge() {
        Object collected;
        while ((collected = COLLECTED.poll()) != null) {
            ADDED.remove(collected);
        }
    }

    private static final class Key extends WeakReference<Handler> {
        private final int hash;

        Key(Handler handler, ReferenceQueue<Handler> queue) {
            super(handler, queue);
            this.hash = System.identityHashCode(handler);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            if (!(other instanceof Key key)) {
                return false;
            }
            Handler mine = get();
            return mine != null && mine == key.get();
        }
    }
}
