package io.weft.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.weft.loop.EventLoop;
import io.weft.testing.ApiSurface;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The codec module's API builds on core's API only: no exported codec signature names a type of a package that
 * core or codec keeps to itself, or the selector plumbing behind the loops.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CodecApiEncapsulationTest {

    private static final ApiSurface CODEC = ApiSurface.ofModuleOf(ByteToMessageDecoder.class);
    private static final ApiSurface CORE = ApiSurface.ofModuleOf(EventLoop.class);

    @Test
    void exportedSignaturesNameNoConcealedType() {
        assertEquals("io.weft.codec", CODEC.descriptor().name());
        assertFalse(CODEC.types().isEmpty());
        Set<String> concealed = new HashSet<>(CORE.concealedPackages());
        concealed.addAll(CODEC.concealedPackages());
        assertEquals(List.of(), CODEC.exposures(type -> concealed.contains(type.getPackageName())));
    }

    @Test
    void exportedSignaturesNameNoSelectorPlumbing() {
        Set<Class<?>> plumbing = Set.of(SelectionKey.class, Selector.class, SelectableChannel.class);
        assertEquals(List.of(), CODEC.exposures(plumbing::contains));
    }

    @Test
    void noInternalPackageIsExported() {
        for (String pkg : ApiSurface.exportedPackages(CODEC.descriptor())) {
            assertFalse(pkg.contains(".internal"), pkg);
        }
    }
}
