package dev.weft.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a host name (or an IP literal) into the addresses a connection may go to. The JDK's resolver is
 * {@link #system()}; tests inject their own to play a DNS answer that changes (rebinding).
 *
 * <p>Implementations must be thread-safe. A call blocks while the name is looked up.
 */
@FunctionalInterface
public interface HostResolver {
    /**
     * Resolves a host.
     *
     * @param host a host name, or an IPv4 or IPv6 literal (without brackets)
     * @return its addresses, empty when it does not resolve; never {@code null}
     */
    List<InetAddress> resolve(String host);

    /**
     * The JDK's resolver ({@link InetAddress#getAllByName}): the hosts file, then DNS, with the JDK's cache. It
     * accepts the forms of IPv4 the JDK accepts ({@code 127.1}, {@code 2130706433}), so a caller that wants a
     * strict syntax checks it first.
     *
     * @return the resolver
     */
    static HostResolver system() {
        return host -> {
            try {
                return List.of(InetAddress.getAllByName(host));
            } catch (UnknownHostException e) {
                return List.of();
            }
        };
    }
}
