package dev.weft.http;

import java.net.InetAddress;
import java.util.Optional;

/** {@link AddressPolicy#allowAll()}: one instance, so the transport can tell it apart and keep HC5's resolver. */
final class AllowAllAddresses implements AddressPolicy {
    static final AllowAllAddresses INSTANCE = new AllowAllAddresses();

    private AllowAllAddresses() {
    }

    @Override
    public Optional<String> refusal(InetAddress address) {
        return Optional.empty();
    }
}
