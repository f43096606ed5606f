package io.weft.channel;

/**
 * Guesses the next receive buffer size from the last reads: doubles after a read that filled the buffer, halves
 * after two reads in a row that used less than half of it.
 */
final class ReceiveSizer {

    private final int min;
    private final int max;
    private int next;
    private boolean shrinkPending;

    ReceiveSizer(int min, int initial, int max) {
        this.min = Math.max(16, min);
        this.max = Math.max(this.min, max);
        this.next = Math.min(this.max, Math.max(this.min, initial));
    }

    int guess() {
        return next;
    }

    void record(int bytesRead, int capacity) {
        if (bytesRead >= capacity) {
            next = Math.min(max, capacity << 1);
            shrinkPending = false;
        } else if (bytesRead < capacity >>> 1) {
            if (shrinkPending) {
                next = Math.max(min, capacity >>> 1);
                shrinkPending = false;
            } else {
                shrinkPending = true;
            }
        } else {
            shrinkPending = false;
        }
    }
}
