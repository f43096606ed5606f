package io.weft.handler.traffic;

/**
 * Fired (as a user event) by a {@link TrafficShapingHandler} when its write queue passes half of its bound
 * ({@link #UNWRITABLE}) and when it drains below a quarter again ({@link #WRITABLE}).
 */
public enum ShapingWritabilityEvent {
    /** Stop producing: writes are being held back. */
    UNWRITABLE,
    /** Writes flow again. */
    WRITABLE
}
