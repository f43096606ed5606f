package io.weft.codec.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpHeadersTest {

    @Test
    void lookupIgnoresCaseAndKeepsRepeatedFields() {
        HttpHeaders h = new HttpHeaders()
                .add("Set-Cookie", "a=1")
                .add("Content-Type", "text/plain")
                .add("set-cookie", "b=2");
        assertEquals("text/plain", h.get("CONTENT-TYPE"));
        assertEquals(List.of("a=1", "b=2"), h.getAll("SET-COOKIE"));
        assertEquals(2, h.count("set-cookie"));
        assertEquals(3, h.size());
        assertNull(h.get("missing"));
    }

    @Test
    void setReplacesEveryOccurrenceAndRemoveDropsThemAll() {
        HttpHeaders h = new HttpHeaders().add("X-A", "1").add("x-b", "2").add("x-a", "3");
        h.set("X-a", "4");
        assertEquals(List.of("4"), h.getAll("x-A"));
        assertEquals("x-b", h.nameAt(1));
        assertTrue(h.remove("X-B"));
        assertFalse(h.contains("x-b"));
        assertEquals(1, h.size());
    }

    @Test
    void tokensAreMatchedInCommaSeparatedLists() {
        HttpHeaders h = new HttpHeaders().add("Connection", "keep-alive, Upgrade").add("Connection", " close ");
        assertTrue(h.containsToken("connection", "upgrade"));
        assertTrue(h.containsToken("CONNECTION", "Close"));
        assertFalse(h.containsToken("connection", "keep"));
    }

    @Test
    void rejectsNamesAndValuesThatWouldBreakTheFraming() {
        HttpHeaders h = new HttpHeaders();
        assertThrows(IllegalArgumentException.class, () -> h.add("Bad Name", "v"));
        assertThrows(IllegalArgumentException.class, () -> h.add("X", "a\r\nInjected: yes"));
        assertThrows(IllegalArgumentException.class, () -> h.add("", "v"));
    }
}
