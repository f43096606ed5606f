package io.weft.codec.http;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** HTTP dates (RFC 9110 section 5.6.7) for {@link StaticFileHandler}: IMF-fixdate out, the three forms in. */
final class HttpDates {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter RFC_850 =
            DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", Locale.ENGLISH);
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH);

    private HttpDates() {
    }

    static String now() {
        return format(System.currentTimeMillis());
    }

    /** {@code epochMillis}, rounded down to the second, as an IMF-fixdate. */
    static String format(long epochMillis) {
        return IMF_FIXDATE.format(Instant.ofEpochSecond(Math.floorDiv(epochMillis, 1000)));
    }

    /** The instant of an HTTP date in any of its three forms, or {@code null} if it is none. */
    static Instant parse(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        try {
            return ZonedDateTime.parse(v, IMF_FIXDATE).toInstant();
        } catch (DateTimeException e) {
            // Try the obsolete forms.
        }
        try {
            LocalDateTime t = LocalDateTime.parse(v, RFC_850);
            LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC);
            if (t.isAfter(now.plusYears(50))) {
                t = t.minusYears(100);
            }
            return t.toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            // Try asctime.
        }
        try {
            return LocalDateTime.parse(v, ASCTIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return null;
        }
    }
}
