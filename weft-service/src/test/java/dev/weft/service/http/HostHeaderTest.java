package dev.weft.service.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Host check the edge makes instead of Helidon's regular expressions (RFC 9112 §3.2, RFC 3986 §3.2.2). */
class HostHeaderTest {
    @ParameterizedTest
    @ValueSource(strings = {"localhost", "localhost:8080", "127.0.0.1", "127.0.0.1:80", "api.example.com",
        "xn--bcher-kva.example:443", "[::1]", "[::1]:8080", "[2001:db8::7]", "[::ffff:192.0.2.1]:1",
        "[v1.fe80::a+en1]", "a%41b", "999.1.1.1", "under_score.example", "sub-delims!$&'()*+,;=", "h:0"})
    void validHostsPass(String host) {
        assertThat(HostHeader.valid(host)).as(host).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":80", "host:", "host:8o", "host:-1", "host:+80", "host:12345678901", "a b",
        "a/b", "a@b", "a%4", "a%zz", "[::1", "[]", "[::1]x", "[::1]:", "[zz::1]", "[::1]:80:1", "a:b:c", "é.example",
        "host\\name", "a\"b"})
    void invalidHostsFail(String host) {
        assertThat(HostHeader.valid(host)).as(host).isFalse();
    }
}
