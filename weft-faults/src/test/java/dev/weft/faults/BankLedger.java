package dev.weft.faults;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks a database against a {@link BankWorkload}'s history, read directly with JDBC after the fault: every
 * acknowledged create is there and no refused one is; the accounts hold the credits they opened with (transfers move
 * credits, never make them), none is negative; and each account's balance is what its acknowledged transfers make
 * it, plus some subset of the transfers whose outcome is unknown (searched exhaustively up to
 * {@link #MAX_UNKNOWN_SEARCHED} of them).
 */
final class BankLedger {
    static final int MAX_UNKNOWN_SEARCHED = 20;

    /**
     * What the check found.
     *
     * @param acknowledgedWrites how many creates and transfers were acknowledged
     * @param lostWrites acknowledged writes missing (creates by email; transfers when no subset of the unknown ones
     *        explains the balances)
     * @param phantomWrites refused creates that are there anyway
     * @param total the accounts' credits now
     * @param expectedTotal what they opened with
     * @param negativeAccounts accounts below zero
     * @param unknownWrites writes whose outcome is unknown
     * @param balances how the balances were explained
     */
    record Verdict(int acknowledgedWrites, List<String> lostWrites, List<String> phantomWrites, long total,
            long expectedTotal, int negativeAccounts, int unknownWrites, String balances) {
        boolean conserved() {
            return total == expectedTotal && negativeAccounts == 0;
        }

        @Override
        public String toString() {
            return acknowledgedWrites + " acknowledged writes, " + lostWrites.size() + " lost, "
                    + phantomWrites.size() + " refused but present, " + unknownWrites + " unknown; credits "
                    + total + " of " + expectedTotal + (negativeAccounts > 0 ? ", " + negativeAccounts + " negative"
                    : "") + "; balances " + balances;
        }
    }

    private BankLedger() {
    }

    /**
     * @param bank the workload whose history to check
     * @param jdbcUrl the database, read directly
     * @return the verdict
     */
    static Verdict check(BankWorkload bank, String jdbcUrl) throws SQLException {
        Map<Long, Long> credits = new HashMap<>();
        Set<String> emails = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT id, email, credits FROM users")) {
            while (rows.next()) {
                credits.put(rows.getLong(1), rows.getLong(3));
                emails.add(rows.getString(2).toLowerCase(java.util.Locale.ROOT));
            }
        }
        List<History.Op> writes = bank.history().where(op -> op.op().equals("create") || op.op().equals("transfer"));
        List<String> lost = new ArrayList<>();
        List<String> phantom = new ArrayList<>();
        int acknowledged = 0;
        int unknown = 0;
        for (History.Op op : writes) {
            acknowledged += op.outcome() == History.Outcome.OK ? 1 : 0;
            unknown += op.outcome() == History.Outcome.UNKNOWN ? 1 : 0;
            if (!op.op().equals("create")) {
                continue;
            }
            boolean present = emails.contains(op.key());
            if (op.outcome() == History.Outcome.OK && !present) {
                lost.add("create " + op.key());
            } else if (op.outcome() == History.Outcome.FAIL && present) {
                phantom.add("create " + op.key() + " (answered " + op.status() + ")");
            }
        }
        List<Long> accounts = bank.accounts();
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < accounts.size(); i++) {
            index.put(accounts.get(i), i);
        }
        long[] diff = new long[accounts.size()];
        long total = 0;
        int negative = 0;
        for (int i = 0; i < accounts.size(); i++) {
            long now = credits.getOrDefault(accounts.get(i), 0L);
            total += now;
            negative += now < 0 ? 1 : 0;
            diff[i] = now - bank.openingBalance();
        }
        List<long[]> unknownTransfers = new ArrayList<>();
        for (History.Op op : writes) {
            if (!op.op().equals("transfer") || op.outcome() == History.Outcome.FAIL) {
                continue;
            }
            long[] t = parseTransfer(op.key(), index);
            if (op.outcome() == History.Outcome.OK) {
                diff[(int) t[0]] += t[2];
                diff[(int) t[1]] -= t[2];
            } else {
                unknownTransfers.add(t);
            }
        }
        String balances;
        long[] applied = explain(diff, unknownTransfers);
        if (applied != null) {
            balances = "explained (" + applied[0] + " of " + unknownTransfers.size() + " unknown transfers applied)";
        } else if (unknownTransfers.size() > MAX_UNKNOWN_SEARCHED) {
            balances = "not searched (" + unknownTransfers.size() + " unknown transfers)";
        } else {
            balances = "UNEXPLAINED by any subset of " + unknownTransfers.size() + " unknown transfers";
            lost.add("transfers: balances differ from the acknowledged ones by " + java.util.Arrays.toString(diff));
        }
        return new Verdict(acknowledged, lost, phantom, total, (long) accounts.size() * bank.openingBalance(),
                negative, unknown, balances);
    }

    /** @return {from index, to index, amount} */
    private static long[] parseTransfer(String key, Map<Long, Integer> index) {
        int gt = key.indexOf('>');
        int colon = key.indexOf(':');
        return new long[] {index.get(Long.parseLong(key.substring(0, gt))),
            index.get(Long.parseLong(key.substring(gt + 1, colon))), Long.parseLong(key.substring(colon + 1))};
    }

    /**
     * Finds a subset of the unknown transfers whose effect is {@code diff} (what is left after the acknowledged
     * ones).
     *
     * @return {how many applied}, or null if none is found (or there are too many to search)
     */
    private static long @Nullable [] explain(long[] diff, List<long[]> unknown) {
        if (java.util.Arrays.stream(diff).allMatch(d -> d == 0)) {
            return new long[] {0};
        }
        if (unknown.size() > MAX_UNKNOWN_SEARCHED) {
            return null;
        }
        long[] effect = new long[diff.length];
        for (long mask = 1; mask < (1L << unknown.size()); mask++) {
            java.util.Arrays.fill(effect, 0);
            for (int i = 0; i < unknown.size(); i++) {
                if ((mask & (1L << i)) != 0) {
                    long[] t = unknown.get(i);
                    effect[(int) t[0]] -= t[2];
                    effect[(int) t[1]] += t[2];
                }
            }
            if (java.util.Arrays.equals(effect, diff)) {
                return new long[] {Long.bitCount(mask)};
            }
        }
        return null;
    }
}
