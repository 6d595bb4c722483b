package dev.weft.service.webhooks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One network block ({@code 10.1.2.0/24}, {@code fd00::/64}, or a single address). Parsing never looks a name up:
 * only literal IPv4 (dotted, four decimal parts without leading zeros) and IPv6 text is accepted, then handed to
 * the JDK's literal parser. Immutable.
 *
 * @param network the network's address bytes (4 or 16)
 * @param prefix the prefix length
 */
record Cidr(byte[] network, int prefix) {
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    /**
     * @param text a block or an address
     * @return the block, or empty when the text is not one (bad syntax, prefix out of range, host bits set)
     */
    static Optional<Cidr> parse(String text) {
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        Optional<InetAddress> parsed = literal(address);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = parsed.get().getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String length = trimmed.substring(slash + 1);
            if (!length.matches("\\d{1,3}") || (length.length() > 1 && length.startsWith("0"))) {
                return Optional.empty();
            }
            prefix = Integer.parseInt(length);
            if (prefix > max) {
                return Optional.empty();
            }
        }
        Cidr cidr = new Cidr(bytes, prefix);
        // A block written with host bits set (10.0.0.1/8) is a typo more often than not: refuse, never round.
        return cidr.contains(bytes) && Arrays.equals(cidr.masked(bytes), bytes) ? Optional.of(cidr) : Optional.empty();
    }

    /**
     * Parses an IP literal without any lookup: strict dotted IPv4, or IPv6 text (no zone).
     *
     * @param text the literal
     * @return the address, or empty when the text is not a literal of that form
     */
    static Optional<InetAddress> literal(String text) {
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !(text.indexOf(':') >= 0 && IPV6.matcher(text).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** @param address an address @return whether the block holds it (an address of the other family never) */
    boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    private boolean contains(byte[] address) {
        return address.length == network.length && Arrays.equals(masked(address), masked(network));
    }

    private byte[] masked(byte[] address) {
        byte[] out = address.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr cidr && cidr.prefix == prefix && Arrays.equals(cidr.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            return "?/" + prefix;
        }
    }
}
