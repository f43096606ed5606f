package io.weft.codec.http;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * HTTP dates (RFC 9110 section 5.6.7). {@link #now()} is the value for a {@code date} field: the current second as
 * an IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), formatted at most once per second and shared by every
 * thread, so it costs a clock read and a field read per call. {@link #format} and {@link #parse} convert other
 * instants ({@code last-modified}, {@code if-modified-since}); {@link #parse} also accepts the two obsolete
 * formats a recipient must understand.
 *
 * <p>Thread-safe.
 */
public final class HttpDate {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    /** RFC 850 after its weekday (checked apart: the two-digit year is only resolved below). */
    private static final DateTimeFormatter RFC_850 =
            DateTimeFormatter.ofPattern("dd-MMM-yy HH:mm:ss 'GMT'", Locale.ENGLISH);
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH);

    /** The formatted current second; replaced (never mutated) when the second changes. */
    private static volatile Cached cached = new Cached(-1, "");

    private record Cached(long second, String value) {
    }

    private HttpDate() {
    }

    /** The current time as an IMF-fixdate, for the {@code date} field. Cheap: reformatted once a second. */
    public static String now() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != second) {
            c = new Cached(second, IMF_FIXDATE.format(Instant.ofEpochSecond(second)));
            cached = c;
        }
        return c.value;
    }

    /** Whether {@code value} is the very string {@link #now()} returns this second (no comparison of characters). */
    static boolean isCurrent(String value) {
        return value == cached.value;
    }

    /** {@code epochMillis} (rounded down to the second) as an IMF-fixdate. */
    public static String format(long epochMillis) {
        return IMF_FIXDATE.format(Instant.ofEpochSecond(Math.floorDiv(epochMillis, 1000)));
    }

    /** {@code instant} (rounded down to the second) as an IMF-fixdate. */
    public static String format(Instant instant) {
        return IMF_FIXDATE.format(Instant.ofEpochSecond(instant.getEpochSecond()));
    }

    /**
     * Parses an HTTP date: an IMF-fixdate, or the obsolete RFC 850 or asctime forms (a two-digit RFC 850 year
     * more than 50 years in the future is taken as the past century, as RFC 9110 asks).
     *
     * @return the instant, or {@code null} if {@code value} is not a valid HTTP date (callers then ignore the
     *     field, as RFC 9110 asks for conditional requests)
     */
    public static Instant parse(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        try {
            return ZonedDateTime.parse(v, IMF_FIXDATE.withZone(ZoneOffset.UTC)).toInstant();
        } catch (DateTimeException e) {
            // Try the obsolete forms.
        }
        try {
            int comma = v.indexOf(", ");
            if (comma < 6 || comma > 9) {
                throw new DateTimeException("not RFC 850");
            }
            java.time.temporal.TemporalAccessor t = RFC_850.parse(v.substring(comma + 2));
            int yy = t.get(java.time.temporal.ChronoField.YEAR) % 100;
            int thisYear = LocalDate.now(ZoneOffset.UTC).getYear();
            int year = thisYear / 100 * 100 + yy;
            if (year > thisYear + 50) {
                year -= 100;
            }
            LocalDateTime local = LocalDateTime.of(year, t.get(java.time.temporal.ChronoField.MONTH_OF_YEAR),
                    t.get(java.time.temporal.ChronoField.DAY_OF_MONTH),
                    t.get(java.time.temporal.ChronoField.HOUR_OF_DAY),
                    t.get(java.time.temporal.ChronoField.MINUTE_OF_HOUR),
                    t.get(java.time.temporal.ChronoField.SECOND_OF_MINUTE));
            return local.toInstant(ZoneOffset.UTC);
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
