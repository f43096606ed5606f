package io.weft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.channel.Channel;
import io.weft.channel.TcpChannel;
import io.weft.loop.EventLoop;
import io.weft.pipeline.Pipeline;
import io.weft.testing.ApiSurface;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;

/**
 * What a user of {@code io.weft.core} can reach is the API and nothing else: the internal packages (loop
 * registration, the pipeline's transport, shared helpers) are not exported, and no exported signature names one of
 * their types or the selector plumbing they wrap.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiEncapsulationTest {

    private static final ApiSurface CORE = ApiSurface.ofModuleOf(EventLoop.class);

    @Test
    void internalPackagesExistAndAreNotExported() {
        ModuleDescriptor descriptor = CORE.descriptor();
        assertEquals("io.weft.core", descriptor.name());
        Set<String> internal = descriptor.packages().stream().filter(p -> p.startsWith("io.weft.internal"))
                .collect(Collectors.toSet());
        assertTrue(internal.containsAll(Set.of("io.weft.internal.loop", "io.weft.internal.pipeline",
                "io.weft.internal.access")), "internal packages: " + internal);
        for (ModuleDescriptor.Exports export : descriptor.exports()) {
            assertFalse(export.source().contains(".internal"), "module-info exports " + export);
        }
        assertTrue(descriptor.opens().isEmpty(), "module-info opens " + descriptor.opens());
        // Internals are package-private or in an internal package: a concealed package must be one of those.
        assertEquals(internal, CORE.concealedPackages(), "packages not exported");
    }

    @Test
    void exportedSignaturesNameNoConcealedType() {
        Set<String> concealed = CORE.concealedPackages();
        List<String> exposed = CORE.exposures(type -> concealed.contains(type.getPackageName()));
        assertEquals(List.of(), exposed, "exported API names types of packages that are not exported");
    }

    @Test
    void exportedSignaturesNameNoSelectorPlumbing() {
        // Selectors and their keys belong to the loop and its channels; registration is not an application's job.
        Set<Class<?>> plumbing = Set.of(SelectionKey.class, Selector.class, SelectableChannel.class);
        List<String> exposed = CORE.exposures(plumbing::contains);
        assertEquals(List.of(), exposed, "exported API names selector plumbing");
    }

    @Test
    void onlyChannelsCreatePipelinesAndRegisterWithLoops() {
        assertEquals(0, Pipeline.class.getConstructors().length, "Pipeline has a public constructor");
        MethodHandles.Lookup user = MethodHandles.publicLookup();
        assertThrows(IllegalAccessException.class, () -> user.findConstructor(Pipeline.class,
                MethodType.methodType(void.class, Channel.class, Class.forName("io.weft.internal.pipeline.Transport"))));
        assertThrows(IllegalAccessException.class, () -> user.findVirtual(EventLoop.class, "register",
                MethodType.methodType(void.class, SelectableChannel.class, int.class,
                        Class.forName("io.weft.internal.loop.IoHandler"))));
        assertThrows(IllegalAccessException.class, () -> user.findVirtual(EventLoop.class, "deregister",
                MethodType.methodType(void.class, SelectionKey.class)));
    }

    @Test
    void onTheModulePathInternalPackagesAreConcealed() throws Exception {
        // Resolve the built module with its dependencies into a layer of its own, as an application on the module
        // path would see it.
        ModuleFinder finder = ModuleFinder.of(location(EventLoop.class), location(Logger.class),
                location(MpscUnboundedArrayQueue.class));
        Configuration config = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(),
                Set.of("io.weft.core"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(config, ClassLoader.getPlatformClassLoader());
        Module core = layer.findModule("io.weft.core").orElseThrow();
        for (String pkg : core.getPackages()) {
            assertEquals(!pkg.startsWith("io.weft.internal"), core.isExported(pkg), pkg);
            assertFalse(core.isOpen(pkg), pkg);
        }
        ClassLoader loader = layer.findLoader("io.weft.core");
        Class<?> loop = loader.loadClass("io.weft.loop.EventLoop");
        Class<?> secrets = loader.loadClass("io.weft.internal.access.SharedSecrets");
        Class<?> loopAccess = loader.loadClass("io.weft.internal.loop.LoopAccess");
        MethodHandles.Lookup user = MethodHandles.publicLookup();
        // The exported API is reachable...
        user.findVirtual(loop, "inLoop", MethodType.methodType(boolean.class));
        // ...the internal one is not, not even its public members.
        assertThrows(IllegalAccessException.class,
                () -> user.findStatic(secrets, "loopAccess", MethodType.methodType(loopAccess)));
        assertThrows(IllegalAccessException.class, () -> user.findVirtual(loopAccess, "deregister",
                MethodType.methodType(void.class, loop, SelectionKey.class)));
    }

    @Test
    void scanSeesThroughGenericsInheritanceAndNestedTypes() {
        // The scan must not pass by seeing nothing: forbid types the API does name and check that it finds them.
        List<String> voids = CORE.exposures(Void.class::equals);
        assertTrue(voids.contains("io.weft.channel.Channel#closeFuture() returns: java.lang.Void"), voids::toString);
        assertTrue(voids.contains("io.weft.channel.TcpChannel#closeFuture() (from io.weft.channel.Channel) returns: "
                + "java.lang.Void"), voids::toString);
        assertTrue(CORE.types().contains(TcpChannel.class));
        assertTrue(CORE.types().stream().anyMatch(Class::isMemberClass), "no nested API type seen");
        assertFalse(CORE.exposures(Logger.class::equals).isEmpty(), "LoggingHandler takes an SLF4J Logger");
    }

    private static Path location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
