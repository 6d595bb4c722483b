package dev.weft.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three instances started at the same moment on an empty PostgreSQL of the scenario's own: they race to migrate the
 * schema and to store the generated admin key. Promises: every instance starts and answers ready; each migration
 * version is applied exactly once; exactly one admin key is generated, printed once and stored, and every instance
 * accepts it (no instance printed a key of its own that the others refuse).
 */
class StartupRaceScenario extends TempDirScenario {
    private static final String SCENARIO = "3 instances started at once on an empty database";
    private static final java.util.regex.Pattern GENERATED_KEY =
            java.util.regex.Pattern.compile("generated admin key \\(shown once, stored hashed\\): (wa_[A-Za-z0-9_-]+)");

    @Test
    @Tag("full")
    void threeInstancesRaceToMigrateAndStoreOneAdminKey() throws Exception {
        OwnPostgres.sweep("startrace");
        try (OwnPostgres postgres = OwnPostgres.create("startrace", Map.of())) {
            List<ServiceProcess> services = new ArrayList<>();
            try (ExecutorService starters = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<ServiceProcess>> started = new ArrayList<>();
                for (String name : List.of("a", "b", "c")) {
                    started.add(starters.submit(() -> ServiceProcess.start(name, work,
                            Map.of("DATABASE_URL", postgres.databaseUrl(), "WEFT_WORKERS", "0", "WEFT_ADMIN_KEY", ""),
                            Duration.ofMinutes(2))));
                }
                for (Future<ServiceProcess> future : started) {
                    services.add(future.get());
                }
            }
            try {
                Http http = new Http(Duration.ofSeconds(10));
                List<String> printedKeys = new ArrayList<>();
                for (ServiceProcess service : services) {
                    java.util.regex.Matcher key = GENERATED_KEY.matcher(service.output());
                    while (key.find()) {
                        printedKeys.add(key.group(1));
                    }
                }
                int ready = 0;
                int adminAccepted = 0;
                for (ServiceProcess service : services) {
                    ready += http.get(service.url("/health/ready"), Map.of()).status() == 200 ? 1 : 0;
                    if (printedKeys.size() == 1) {
                        adminAccepted += http.get(service.url("/users?limit=1"),
                                Map.of("X-API-Key", printedKeys.getFirst())).status() == 200 ? 1 : 0;
                    }
                }
                String versions = postgres.psql("SELECT count(*) || '/' || count(DISTINCT version) FROM "
                        + "weft_schema_migrations");
                String adminHashes = postgres.psql("SELECT count(*) FROM settings WHERE name = 'admin_key_sha256'");

                SoftAssertions soft = new SoftAssertions();
                Report.record(SCENARIO, "every instance starts and answers ready", ready + " of 3 ready", ready == 3);
                soft.assertThat(ready).as("instances ready").isEqualTo(3);
                String[] counts = versions.split("/");
                boolean once = counts.length == 2 && counts[0].equals(counts[1]) && Integer.parseInt(counts[0]) > 0;
                Report.record(SCENARIO, "each migration version applied exactly once",
                        "rows/distinct versions " + versions, once);
                soft.assertThat(once).as("migration rows/distinct versions " + versions).isTrue();
                boolean oneKey = adminHashes.equals("1") && printedKeys.size() == 1 && adminAccepted == 3;
                Report.record(SCENARIO, "one admin key generated, printed once, accepted by every instance",
                        adminHashes + " stored, " + printedKeys.size() + " printed, accepted by " + adminAccepted
                                + " of 3", oneKey);
                soft.assertThat(oneKey).as(adminHashes + " stored, accepted by " + adminAccepted).isTrue();
                soft.assertAll();
            } finally {
                services.forEach(ServiceProcess::close);
            }
        }
    }
}
