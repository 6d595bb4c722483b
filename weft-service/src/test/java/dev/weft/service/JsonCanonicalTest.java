package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link Json#canonical}: the form idempotency fingerprints hash, so spelling does not count and values do. */
class JsonCanonicalTest {
    private final Json json = Json.create();

    private String canonical(String document) {
        return new String(json.canonical(document.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void sortsNamesAtEveryDepthAndDropsWhitespace() {
        String canonical = canonical(" {\n \"b\" : [ {\"y\":1, \"x\":2} , 3 ],\t\"a\":{\"d\":null,\"c\":true}\r\n}");

        assertThat(canonical).isEqualTo("{\"a\":{\"c\":true,\"d\":null},\"b\":[{\"x\":2,\"y\":1},3]}");
    }

    @Test
    void spellsEqualStringsTheSameWay() {
        assertThat(canonical("{\"k\":\"\\u0061\\/\\u00e9\\ud83d\\ude00\"}")).isEqualTo(canonical("{\"k\":\"a/é😀\"}"));
    }

    @Test
    void keepsNumbersAsWrittenWithoutDoubleRounding() {
        assertThat(canonical("[0.1]")).isNotEqualTo(canonical("[0.10000000000000001]"));
        assertThat(canonical("[12345678901234567890123]")).isEqualTo("[12345678901234567890123]");
        assertThat(canonical("[9007199254740993]")).isNotEqualTo(canonical("[9007199254740992]"));
        assertThat(canonical("[1e400, 1.50, 1]")).isEqualTo("[1E+400,1.50,1]");
    }

    @Test
    void keepsArrayOrderAndTellsDifferentValuesApart() {
        assertThat(canonical("[1,2]")).isNotEqualTo(canonical("[2,1]"));
        assertThat(canonical("{\"a\":1}")).isNotEqualTo(canonical("{\"a\":\"1\"}"));
    }

    @Test
    void refusesWhatTheServiceWouldNotRead() {
        assertThatThrownBy(() -> canonical("{\"a\":1,\"a\":2}")).isInstanceOf(ProblemException.class)
                .hasMessageContaining("more than once");
        assertThatThrownBy(() -> canonical("{\"a\":")).isInstanceOf(ProblemException.class);
    }
}
