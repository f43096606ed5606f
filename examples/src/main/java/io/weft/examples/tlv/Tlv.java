package io.weft.examples.tlv;

import java.util.Arrays;

/**
 * One type-length-value record: a type from 0 to 255 and a value of at most {@value #MAX_VALUE_LENGTH} bytes. On the
 * wire: {@code [type: 1 byte][length: 2 bytes, big-endian][value: length bytes]}.
 *
 * @param type the record's type, 0 to 255
 * @param value the record's bytes (not copied)
 */
public record Tlv(int type, byte[] value) {

    /** The largest value the two-byte length field can describe. */
    public static final int MAX_VALUE_LENGTH = 0xFFFF;

    /** Checks the type and the value's length. */
    public Tlv {
        if (type < 0 || type > 255) {
            throw new IllegalArgumentException("type " + type + " is not in [0, 255]");
        }
        if (value.length > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("value length " + value.length + " exceeds " + MAX_VALUE_LENGTH);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tlv t && t.type == type && Arrays.equals(t.value, value);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Tlv(" + type + ", " + value.length + " bytes)";
    }
}
