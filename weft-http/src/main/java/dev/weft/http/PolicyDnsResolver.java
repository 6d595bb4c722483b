package dev.weft.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hc.client5.http.DnsResolver;
import org.jspecify.annotations.Nullable;

/**
 * HC5's resolver for a client with an {@link AddressPolicy}: resolves through the policy, checks every address and
 * returns exactly the addresses checked, which HC5's connection operator then connects to: the check and the
 * connect see one DNS answer (no rebinding between them). HC5 5.6 sends IP literals here too (a URI's
 * {@code HttpHost} carries no address), which {@code AddressPolicyTest} pins. Thread-safe.
 */
final class PolicyDnsResolver implements DnsResolver {
    private final AddressPolicy policy;

    PolicyDnsResolver(AddressPolicy policy) {
        this.policy = policy;
    }

    /**
     * A refusal on its way out of HC5: an {@link UnknownHostException} so HC5 passes it through untouched before
     * any socket exists; {@link AttemptRunner} turns it into a {@link DisallowedAddressException}.
     */
    static final class Refused extends UnknownHostException {
        private static final long serialVersionUID = 1L;
        final String address;
        final String reason;

        Refused(String host, String address, String reason) {
            super(host + ": address refused by policy (" + reason + ")");
            this.address = address;
            this.reason = reason;
        }
    }

    /**
     * Checks a URL whose host is an IP literal before anything else happens: defence in depth, should a later HC5
     * connect to a literal without asking the resolver (5.6 asks; {@code AddressPolicyTest} pins it).
     *
     * @throws DisallowedAddressException if the policy refuses the literal's address
     */
    static void checkLiteral(ApiConfig config, String authority, @Nullable String host) {
        AddressPolicy policy = config.addressPolicy();
        if (policy == AddressPolicy.allowAll() || host == null) {
            return;
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress literal;
        try {
            // Every form the JDK reads as a literal (127.1, 2130706433, ::ffff:7f00:1), without a lookup.
            literal = InetAddress.ofLiteral(bare);
        } catch (IllegalArgumentException notLiteral) {
            return;
        }
        Optional<String> refusal = policy.refusal(literal);
        if (refusal.isPresent()) {
            throw new DisallowedAddressException(config.name(), authority, literal.getHostAddress(), refusal.get(),
                    null);
        }
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        List<InetAddress> addresses = policy.resolve(bare);
        if (addresses.isEmpty()) {
            throw new UnknownHostException(bare + ": does not resolve");
        }
        // Any refused address refuses the host: a mixed answer is what a rebinding attack looks like.
        for (InetAddress address : addresses) {
            Optional<String> refusal = policy.refusal(address);
            if (refusal.isPresent()) {
                throw new Refused(bare, address.getHostAddress(), refusal.get());
            }
        }
        return addresses.toArray(InetAddress[]::new);
    }

    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        List<InetSocketAddress> sockets = new ArrayList<>();
        for (InetAddress address : resolve(host)) {
            sockets.add(new InetSocketAddress(address, port));
        }
        return sockets;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        // Only used for Kerberos/SPNEGO, which weft never enables; answer without a lookup.
        return host;
    }
}
