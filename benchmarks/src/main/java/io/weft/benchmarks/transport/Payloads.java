package io.weft.benchmarks.transport;

import java.util.Random;

/** Deterministic payload bytes shared by the Weft and Netty rigs. */
final class Payloads {

    private Payloads() {
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
