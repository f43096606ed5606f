package io.weft.bootstrap;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a host name into an address for {@link Client#connect(String, int)}. A lookup may block (as
 * {@link InetAddress#getByName} does while it asks a DNS server): Weft never calls a resolver on an event loop, but
 * on a small bounded pool of resolver threads, caches its answers and gives up after a timeout (see
 * {@link Client#resolver}), so a slow name server delays only the connections waiting for that name.
 *
 * <p>Plug in your own to use another source of addresses (a service registry, a fixed table in tests).
 */
@FunctionalInterface
public interface NameResolver {

    /** The JDK's resolver ({@link InetAddress#getByName}): hosts file, then DNS, with the JDK's own caching. */
    NameResolver SYSTEM = InetAddress::getByName;

    /**
     * The address of {@code host}; may block. Called on a resolver thread.
     *
     * @throws UnknownHostException if the name does not resolve
     */
    InetAddress resolve(String host) throws UnknownHostException;
}
