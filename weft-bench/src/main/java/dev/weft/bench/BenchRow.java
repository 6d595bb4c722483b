package dev.weft.bench;

import java.time.Instant;

/**
 * One row of the benchmark tables ({@code id bigint, name text, amount bigint, created_at timestamptz}), as weft
 * maps it by column name.
 *
 * @param id the key
 * @param name {@code name-<id>}
 * @param amount a deterministic value derived from the id
 * @param createdAt {@link BenchRows#BASE} plus {@code id} seconds
 */
public record BenchRow(long id, String name, long amount, Instant createdAt) {
}
