package dev.weft.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Three service instances ({@code a}, {@code b}, {@code c}) over one PostgreSQL and one Redis of the scenario's own,
 * so that {@code GET /user-profile/{id}} is served by each instance's tiered cache (a local tier in front of the
 * shared Redis), and the operations a cache scenario records in a {@link History}:
 * <ul>
 *   <li>{@code write} ({@code PATCH /users/{id}} setting {@code full_name} to {@code v<version>}), value
 *       {@code v<version>};</li>
 *   <li>{@code get user} ({@code GET /users/{id}}, not cached), no value;</li>
 *   <li>{@code delete} ({@code DELETE /users/{id}}), value {@code gone};</li>
 *   <li>{@code read hit}, {@code read miss} or {@code read} ({@code GET /user-profile/{id}}, after its
 *       {@code X-Cache} header), value the {@code full_name} read, {@code gone} for a 404, null otherwise.</li>
 * </ul>
 * The key of each operation is the user's id. Versions only grow, so {@link StaleReads} can tell an old value.
 */
final class ProfileCluster implements AutoCloseable {
    /** The operation names; a read's name also carries its {@code X-Cache} answer. */
    static final String WRITE = "write";
    static final String DELETE = "delete";
    static final String READ = "read";
    static final String GONE = "gone";
    static final String GET_USER = "get user";

    private final OwnPostgres postgres;
    private final OwnRedis redis;
    private final List<ServiceProcess> instances;
    private final Http control = new Http(Duration.ofSeconds(10));

    private ProfileCluster(OwnPostgres postgres, OwnRedis redis, List<ServiceProcess> instances) {
        this.postgres = postgres;
        this.redis = redis;
        this.instances = instances;
    }

    /**
     * Starts PostgreSQL, Redis and the three instances ({@code a} first, which applies the migrations, then
     * {@code b} and {@code c} side by side).
     *
     * @param workDir where the instances' data and logs and Redis's pid file go
     * @param clusterSuffix the PostgreSQL cluster's name suffix ({@link OwnPostgres#create})
     * @return the running cluster
     */
    static ProfileCluster start(Path workDir, String clusterSuffix) {
        OwnPostgres postgres = OwnPostgres.create(clusterSuffix, Map.of());
        OwnRedis redis = null;
        List<ServiceProcess> started = new ArrayList<>();
        try {
            redis = OwnRedis.start(workDir);
            Map<String, String> env = Map.of("DATABASE_URL", postgres.databaseUrl(), "REDIS_URL", redis.url(),
                    "WEFT_WORKERS", "0",
                    // far above what the readers send: a 429 would hide what the cache does
                    "WEFT_RATE_LIMIT", "1000000");
            started.add(ServiceProcess.start("a", workDir, env));
            List<Thread> starting = new ArrayList<>();
            ServiceProcess[] others = new ServiceProcess[2];
            RuntimeException[] failures = new RuntimeException[2];
            for (int i = 0; i < 2; i++) {
                int index = i;
                starting.add(Thread.ofVirtual().start(() -> {
                    try {
                        others[index] = ServiceProcess.start(index == 0 ? "b" : "c", workDir, env);
                    } catch (RuntimeException e) {
                        failures[index] = e;
                    }
                }));
            }
            for (Thread thread : starting) {
                thread.join();
            }
            for (int i = 0; i < 2; i++) {
                if (others[i] != null) {
                    started.add(others[i]);
                }
            }
            for (RuntimeException failure : failures) {
                if (failure != null) {
                    throw failure;
                }
            }
            return new ProfileCluster(postgres, redis, List.copyOf(started));
        } catch (RuntimeException | InterruptedException e) {
            started.forEach(ServiceProcess::close);
            if (redis != null) {
                redis.close();
            }
            postgres.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("starting three instances over one Redis", e);
        }
    }

    /** @return the shared Redis, which the scenario kills and hangs */
    OwnRedis redis() {
        return redis;
    }

    ServiceProcess a() {
        return instances.get(0);
    }

    ServiceProcess b() {
        return instances.get(1);
    }

    ServiceProcess c() {
        return instances.get(2);
    }

    /** @return a, b and c */
    List<ServiceProcess> instances() {
        return instances;
    }

    /**
     * Creates a user through {@code a} with {@code full_name} {@code v0}.
     *
     * @param username a username unique in this cluster
     * @return its id
     */
    long createUser(String username) throws IOException, InterruptedException {
        Http.Answer created = control.post(a().url("/users"), Http.admin(),
                Map.of("email", username + "@example.com", "username", username, "full_name", "v0", "credits", 1));
        if (created.status() != 201) {
            throw new IllegalStateException("creating " + username + ": " + created.status() + " " + created.body());
        }
        return created.json().get("id").asLong();
    }

    /**
     * {@code PATCH /users/{id}} with {@code full_name = v<version>}, recorded as {@code write}.
     *
     * @return the recorded operation (UNKNOWN if no answer came within the client's timeout)
     */
    History.Op write(Http http, History history, ServiceProcess via, long id, int version)
            throws InterruptedException {
        String value = "v" + version;
        long start = System.nanoTime();
        Http.Answer answer = Http.orNull(
                () -> http.patch(via.url("/users/" + id), Http.admin(), Map.of("full_name", value)));
        return history.record(via.name(), WRITE, Long.toString(id), start, answer, value);
    }

    /** {@code DELETE /users/{id}}, recorded as {@code delete}. */
    History.Op delete(Http http, History history, ServiceProcess via, long id) throws InterruptedException {
        long start = System.nanoTime();
        Http.Answer answer = Http.orNull(() -> http.delete(via.url("/users/" + id), Http.admin()));
        return history.record(via.name(), DELETE, Long.toString(id), start, answer, GONE);
    }

    /** {@code GET /user-profile/{id}}, recorded as {@code read hit}, {@code read miss} or {@code read}. */
    History.Op read(Http http, History history, ServiceProcess on, long id) throws InterruptedException {
        long start = System.nanoTime();
        Http.Answer answer = Http.orNull(() -> http.get(on.url("/user-profile/" + id), Http.admin()));
        String value = null;
        String op = READ;
        if (answer != null) {
            op = answer.header("X-Cache").map(cache -> READ + " " + cache).orElse(READ);
            if (answer.status() == 200) {
                value = answer.json().path("full_name").asText(null);
            } else if (answer.status() == 404) {
                value = GONE;
            }
        }
        return history.record(on.name(), op, Long.toString(id), start, answer, value);
    }

    /**
     * {@code GET /users/{id}}, recorded as {@code get user}: the same edge (authentication, rate limit) as a profile
     * read, without the cache, so a scenario can tell what the cache costs from what the edge costs.
     */
    History.Op getUser(Http http, History history, ServiceProcess on, long id) throws InterruptedException {
        long start = System.nanoTime();
        Http.Answer answer = Http.orNull(() -> http.get(on.url("/users/" + id), Http.admin()));
        return history.record(on.name(), GET_USER, Long.toString(id), start, answer, null);
    }

    /**
     * Waits until {@code on} answers {@code X-Cache: hit} with {@code value} for {@code id}.
     *
     * @return how long that took, in ms, or infinity if it did not happen within {@code atMost}
     */
    double awaitHit(ServiceProcess on, long id, String value, Duration atMost) {
        long start = System.nanoTime();
        History scratch = new History();
        try {
            await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20)).until(() -> {
                History.Op read = read(control, scratch, on, id);
                return read.op().equals(READ + " hit") && value.equals(read.value());
            });
        } catch (ConditionTimeoutException e) {
            return Double.POSITIVE_INFINITY;
        }
        return (System.nanoTime() - start) / 1e6;
    }

    /** @return the end of each instance's log, for a failure message */
    String tails() {
        StringBuilder out = new StringBuilder();
        for (ServiceProcess instance : instances) {
            out.append("--- ").append(instance.name()).append(" ---\n").append(instance.tail()).append('\n');
        }
        return out.toString();
    }

    @Override
    public void close() {
        instances.forEach(ServiceProcess::close);
        redis.close();
        postgres.close();
    }
}
