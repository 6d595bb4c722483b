package dev.weft.http;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which network addresses a client may connect to: the SSRF guard for clients that call URLs they were given
 * (webhooks). The client resolves each host through {@link #resolve(String)} when it opens a connection, asks
 * {@link #refusal(InetAddress)} about every address, and connects only to addresses it checked, so a DNS answer
 * that changes between a check and the connect (rebinding) cannot slip through. IP literals take the same path.
 * If any address of a host is refused, the call fails with {@link DisallowedAddressException} and nothing is sent.
 *
 * <p>Only new connections are checked; a pooled connection was checked when it was opened. A client with a
 * policy uses no proxy (weft-http never configures one), since the address connected to would be the proxy's.
 *
 * <p>Implementations must be thread-safe and quick; {@link #resolve} may block on DNS.
 * {@snippet :
 * ApiConfig config = ApiConfig.builder("https://hooks.example.com").name("webhooks")
 *         .addressPolicy(address -> address.isLoopbackAddress() ? Optional.of("loopback") : Optional.empty())
 *         .allowAnyHost(true)
 *         .build();
 * }
 */
@FunctionalInterface
public interface AddressPolicy {
    /**
     * Whether the client may connect to an address.
     *
     * @param address a resolved address (IPv4-mapped IPv6 addresses arrive as IPv4, as the JDK maps them)
     * @return empty to allow it, else a short reason without secrets ({@code "private"}), used in the exception
     */
    Optional<String> refusal(InetAddress address);

    /**
     * Resolves a host before its addresses are checked; by default {@link HostResolver#system()}.
     *
     * @param host a host name or an IP literal without brackets
     * @return its addresses, empty when it does not resolve
     */
    default List<InetAddress> resolve(String host) {
        return HostResolver.system().resolve(host);
    }

    /**
     * This policy with another resolver.
     *
     * @param resolver the resolver
     * @return the policy
     */
    default AddressPolicy withResolver(HostResolver resolver) {
        Objects.requireNonNull(resolver, "resolver");
        AddressPolicy checks = this;
        return new AddressPolicy() {
            @Override
            public Optional<String> refusal(InetAddress address) {
                return checks.refusal(address);
            }

            @Override
            public List<InetAddress> resolve(String host) {
                return resolver.resolve(host);
            }
        };
    }

    /**
     * The default: every address is allowed and HttpClient resolves hosts itself.
     *
     * @return the policy (one instance)
     */
    static AddressPolicy allowAll() {
        return AllowAllAddresses.INSTANCE;
    }
}
