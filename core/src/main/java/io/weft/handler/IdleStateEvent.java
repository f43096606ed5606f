package io.weft.handler;

/**
 * A user event fired by {@link IdleStateHandler} when a channel has been idle. The six possible events are
 * constants, so firing one allocates nothing; compare with {@code ==} or look at {@link #state()} and
 * {@link #isFirst()}.
 */
public final class IdleStateEvent {

    /** The first reader-idle event since the last read. */
    public static final IdleStateEvent FIRST_READER_IDLE = new IdleStateEvent(IdleState.READER_IDLE, true);
    /** A further reader-idle event (still nothing read). */
    public static final IdleStateEvent READER_IDLE = new IdleStateEvent(IdleState.READER_IDLE, false);
    /** The first writer-idle event since the last write. */
    public static final IdleStateEvent FIRST_WRITER_IDLE = new IdleStateEvent(IdleState.WRITER_IDLE, true);
    /** A further writer-idle event (still nothing written). */
    public static final IdleStateEvent WRITER_IDLE = new IdleStateEvent(IdleState.WRITER_IDLE, false);
    /** The first all-idle event since the last read or write. */
    public static final IdleStateEvent FIRST_ALL_IDLE = new IdleStateEvent(IdleState.ALL_IDLE, true);
    /** A further all-idle event (still nothing read or written). */
    public static final IdleStateEvent ALL_IDLE = new IdleStateEvent(IdleState.ALL_IDLE, false);

    private final IdleState state;
    private final boolean first;

    private IdleStateEvent(IdleState state, boolean first) {
        this.state = state;
        this.first = first;
    }

    /** The event for {@code state}, first or repeated. */
    public static IdleStateEvent of(IdleState state, boolean first) {
        return switch (state) {
            case READER_IDLE -> first ? FIRST_READER_IDLE : READER_IDLE;
            case WRITER_IDLE -> first ? FIRST_WRITER_IDLE : WRITER_IDLE;
            case ALL_IDLE -> first ? FIRST_ALL_IDLE : ALL_IDLE;
        };
    }

    /** Which kind of idleness. */
    public IdleState state() {
        return state;
    }

    /** Whether this is the first event of its kind since the channel was last active in that direction. */
    public boolean isFirst() {
        return first;
    }

    @Override
    public String toString() {
        return "IdleStateEvent(" + state + (first ? ", first" : "") + ")";
    }
}
