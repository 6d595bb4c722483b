package dev.weft.service.settings;

import static dev.weft.service.settings.SettingGroup.CACHE;
import static dev.weft.service.settings.SettingGroup.DATABASE;
import static dev.weft.service.settings.SettingGroup.JOBS;
import static dev.weft.service.settings.SettingGroup.LAUNCHER;
import static dev.weft.service.settings.SettingGroup.LOGGING;
import static dev.weft.service.settings.SettingGroup.PROVIDER;
import static dev.weft.service.settings.SettingGroup.PROVIDER_CLIENT;
import static dev.weft.service.settings.SettingGroup.SERVER;
import static dev.weft.service.settings.SettingGroup.TRACING;
import static dev.weft.service.settings.SettingGroup.WEBHOOKS;
import static dev.weft.service.settings.SettingType.BOOLEAN;
import static dev.weft.service.settings.SettingType.BYTES;
import static dev.weft.service.settings.SettingType.INTEGER;
import static dev.weft.service.settings.SettingType.JVM_OPTIONS;
import static dev.weft.service.settings.SettingType.LIST;
import static dev.weft.service.settings.SettingType.MILLISECONDS;
import static dev.weft.service.settings.SettingType.NUMBER;
import static dev.weft.service.settings.SettingType.PATH;
import static dev.weft.service.settings.SettingType.SECONDS;
import static dev.weft.service.settings.SettingType.TEXT;
import static dev.weft.service.settings.SettingType.URL;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry: every setting weft reads, in the order of the docs. The service's own settings are constants that
 * {@code ServiceConfig}, {@code JobsConfig}, the provider choice and the logging setup read through; the library
 * modules' settings (weft-db's {@code DATABASE_*}, weft-http's {@code WEFT_HTTP_*}, weft-cache's) are listed here
 * because their modules cannot see this one, and {@code SettingsCoverageTest} fails when code reads a variable that
 * is not listed.
 *
 * <p>Thread-safe: everything is immutable.
 */
public final class Settings {
    private static final List<Setting> ALL = new ArrayList<>();

    // ---- server ----

    /** {@code WEFT_BIND}. */
    public static final Setting BIND = add(Setting.builder(SERVER, "weft.bind", "WEFT_BIND").flag("--bind")
            .type(TEXT, "127.0.0.1").rule("an address of this machine")
            .meaning("Address to listen on; `0.0.0.0` listens on every interface."));
    /** {@code WEFT_PORT}. */
    public static final Setting PORT = add(Setting.builder(SERVER, "weft.port", "WEFT_PORT").flag("--port")
            .type(INTEGER, 8080).range(0, 65535).meaning("Port to listen on; `0` picks a free one."));
    /** {@code WEFT_DATA_DIR}. */
    public static final Setting DATA_DIR = add(Setting.builder(SERVER, "weft.data-dir", "WEFT_DATA_DIR")
            .flag("--data-dir").type(PATH, "./weft-data")
            .meaning("Directory of the embedded SQLite database (`weft.db`) and of uploaded videos."));
    /** {@code WEFT_WORKERS}. */
    public static final Setting WORKERS = add(Setting.builder(SERVER, "weft.workers", "WEFT_WORKERS")
            .flag("--workers").type(INTEGER, 16).range(0, 1024)
            .meaning("Job workers in this instance; `0` runs none (the API still accepts jobs for other instances)."));
    /** The shortest admin key {@code weft serve} accepts: a guessable key is no key. */
    public static final int ADMIN_KEY_MIN_LENGTH = 16;
    /** How the deploy files' example admin keys start: a key still starting so was copied, not chosen. */
    public static final String ADMIN_KEY_PLACEHOLDER = "change-me";
    /** {@code WEFT_ADMIN_KEY}. */
    public static final Setting ADMIN_KEY = add(Setting.builder(SERVER, "weft.admin-key", "WEFT_ADMIN_KEY")
            .type(TEXT, "generated on first start").secret()
            .rule("at least " + ADMIN_KEY_MIN_LENGTH + " characters, not starting with `" + ADMIN_KEY_PLACEHOLDER
                    + "` (the examples' placeholder)")
            .meaning("The admin API key. Unset: the stored one, or on first start a generated key printed once and "
                    + "stored only as a hash."));
    /** {@code WEFT_MAX_BODY}. */
    public static final Setting MAX_BODY = add(Setting.builder(SERVER, "weft.max-body", "WEFT_MAX_BODY")
            .type(BYTES, 1L << 20).atLeast(1024).meaning("Largest JSON request body; a larger one gets `413`."));
    /** {@code WEFT_MAX_UPLOAD}. */
    public static final Setting MAX_UPLOAD = add(Setting.builder(SERVER, "weft.max-upload", "WEFT_MAX_UPLOAD")
            .type(BYTES, 512L << 20).atLeast(1024).meaning("Largest video upload (`POST /process-video`)."));
    /** {@code WEFT_RATE_LIMIT}. */
    public static final Setting RATE_LIMIT = add(Setting.builder(SERVER, "weft.rate-limit", "WEFT_RATE_LIMIT")
            .type(INTEGER, 1000).atLeast(1)
            .meaning("Requests per second per API key; shared by every instance through Redis when a Redis URL is "
                    + "set (per instance while Redis is down)."));
    /** {@code WEFT_METRICS_PUBLIC}. */
    public static final Setting METRICS_PUBLIC = add(Setting.builder(SERVER, "weft.metrics-public",
            "WEFT_METRICS_PUBLIC").type(BOOLEAN, false).meaning("Whether `GET /metrics` answers without a key."));
    /** {@code WEFT_INFO_PUBLIC}. */
    public static final Setting INFO_PUBLIC = add(Setting.builder(SERVER, "weft.info-public", "WEFT_INFO_PUBLIC")
            .type(BOOLEAN, false).meaning("Whether `GET /info` answers without a key (it names the version, commit "
                    + "and database type)."));
    /** {@code WEFT_SHUTDOWN_GRACE}. */
    public static final Setting SHUTDOWN_GRACE = add(Setting.builder(SERVER, "weft.shutdown-grace",
            "WEFT_SHUTDOWN_GRACE").type(SECONDS, 10).atLeast(0)
            .meaning("How long requests in flight may run after a stop signal."));
    /** {@code WEFT_REQUEST_TIMEOUT}. */
    public static final Setting REQUEST_TIMEOUT = add(Setting.builder(SERVER, "weft.request-timeout",
            "WEFT_REQUEST_TIMEOUT").type(SECONDS, 5).atLeast(100)
            .meaning("Each request's deadline, which bounds its wait for a database connection: past it the request "
                    + "gets `503 pool_exhausted`. While the database is known down, requests that need it get `503` "
                    + "with `Retry-After` at once."));

    /** {@code WEFT_MAX_CONNECTIONS}. */
    public static final Setting MAX_CONNECTIONS = add(Setting.builder(SERVER, "weft.max-connections",
            "WEFT_MAX_CONNECTIONS").type(INTEGER, 10_000).range(1, 1_000_000)
            .meaning("Connections the server holds open at once. Past it the server accepts no more until one "
                    + "closes: a new client's connection waits in the kernel's accept queue (its request unanswered) "
                    + "and, once that queue is full too, cannot connect. The default is about Tomcat's 8192 "
                    + "(Spring Boot's): more than one instance serves at once behind a proxy or load balancer, and "
                    + "well under the usual file-descriptor limit, which the database pool, Redis and uploads share; "
                    + "each connection holds a descriptor and a thread."));

    /** {@code WEFT_HEADER_TIMEOUT}. */
    public static final Setting HEADER_TIMEOUT = add(Setting.builder(SERVER, "weft.header-timeout",
            "WEFT_HEADER_TIMEOUT").type(SECONDS, 20).atLeast(100)
            .meaning("How long a connection may take to send a request's line and headers (from its accept, or from "
                    + "a later request's line); past it the server answers `408 request_timeout` and closes the "
                    + "connection, however the client trickles its bytes. 20 s is Tomcat's `connectionTimeout`. A "
                    + "kept-alive connection may wait 5 minutes for its next request (longer than a load balancer's "
                    + "idle timeout, AWS's 60 s, so none reuses a connection the server closed)."));

    /** {@code WEFT_CONFIG_FILE}. */
    public static final Setting CONFIG_FILE = add(Setting.builder(SERVER, "weft.config-file", "WEFT_CONFIG_FILE")
            .type(PATH, "unset").meaning("A properties file of settings, one a line, by variable (`WEFT_PORT=8080`) "
                    + "or key (`weft.port=8080`). Variables and flags win over it. Logging, tracing and `JAVA_OPTS` "
                    + "cannot be set there (they are read before it)."));

    // ---- database (weft-db reads these itself: ConfigUrls.fromEnv) ----

    /** {@code WEFT_DB_URL} / {@code DATABASE_URL}. */
    public static final Setting DB_URL = add(db("url", "URL").type(URL, "SQLite in the data dir")
            .secret().rule("`postgresql://`, `mariadb://`, `mysql://` or `sqlite:` (a `jdbc:` prefix is allowed)")
            .meaning("The database, user and password included, e.g. `postgresql://app:secret@db:5432/app`. "
                    + "PostgreSQL URLs may name several hosts (`host1,host2`)."));
    /** {@code WEFT_DB_TYPE} / {@code DATABASE_TYPE}. */
    public static final Setting DB_TYPE = add(db("type", "TYPE")
            .choices("postgresql", "postgres", "pg", "mariadb", "mysql", "sqlite", "sqlite3")
            .meaning("The database product, when the database is given in parts (`HOST`, `PORT`, `NAME`, ...) "
                    + "instead of a URL."));

    /** {@code WEFT_DB_STARTUP_WAIT}. */
    public static final Setting DB_STARTUP_WAIT = add(Setting.builder(DATABASE, "weft.db.startup-wait",
            "WEFT_DB_STARTUP_WAIT").flag("--db-wait").type(SECONDS, 30).atLeast(0)
            .meaning("How long `weft serve` waits for a database it cannot reach yet (connection refused, unknown "
                    + "host, timeout, a SQLite file locked by another process); each failed attempt is printed at "
                    + "once with its cause. `0` tries once. Causes that cannot pass (no such database, login "
                    + "refused, a data directory that cannot be written) end the start at once."));

    /** {@code WEFT_DB_HOST} / {@code DATABASE_HOST}. */
    public static final Setting DB_HOST = add(db("host", "HOST").type(TEXT, "127.0.0.1")
            .meaning("The server's host (with `TYPE`)."));
    /** {@code WEFT_DB_PORT} / {@code DATABASE_PORT}. */
    public static final Setting DB_PORT = add(db("port", "PORT").type(INTEGER, "the product's port").range(1, 65535)
            .meaning("The server's port (with `TYPE`)."));
    /** {@code WEFT_DB_NAME} / {@code DATABASE_NAME}. */
    public static final Setting DB_NAME = add(db("name", "NAME").type(TEXT, "unset")
            .meaning("The database name, or for SQLite the file (with `TYPE`)."));
    /** {@code WEFT_DB_USER} / {@code DATABASE_USER}. */
    public static final Setting DB_USER = add(db("user", "USER").type(TEXT, "unset")
            .meaning("The user (with `TYPE`)."));
    /** {@code WEFT_DB_PASSWORD} / {@code DATABASE_PASSWORD}. */
    public static final Setting DB_PASSWORD = add(db("password", "PASSWORD").type(TEXT, "unset").secret()
            .meaning("The password; also overrides one in the URL."));

    static {
        add(db("pool.size", "POOL_SIZE").type(INTEGER, 10).range(1, 10_000).meaning("Pooled connections."));
        add(db("pool.max-overflow", "MAX_OVERFLOW").type(INTEGER, 0).range(0, 10_000)
                .meaning("Connections beyond the pool size opened under load and closed when idle."));
        add(db("pool.timeout", "POOL_TIMEOUT").type(SECONDS, 30).atLeast(250)
                .meaning("The longest a caller waits for a connection (a request also stops at "
                        + "`WEFT_REQUEST_TIMEOUT`)."));
        add(db("pool.recycle", "POOL_RECYCLE").type(SECONDS, 1800).atLeast(30_000)
                .meaning("A connection older than this is replaced."));
        add(db("pool.pre-ping", "POOL_PRE_PING").type(BOOLEAN, true)
                .meaning("Probe idle connections so a broken one is not handed out."));
        add(db("pool.idle-timeout", "POOL_IDLE_TIMEOUT").type(SECONDS, 60).atLeast(10_000)
                .meaning("An overflow connection idle this long is closed."));
        add(db("pool.max-waiting", "POOL_MAX_WAITING").type(INTEGER, 1000).range(0, 1_000_000)
                .meaning("Callers that may wait for a connection at once; more get `503 pool_exhausted` at once."));
        add(db("pool.leak-detection", "POOL_LEAK_DETECTION").type(SECONDS, 0).atLeast(0)
                .meaning("A connection out of the pool this long makes HikariCP log a warning with the stack of "
                        + "the code that took it (a stream or transaction left open); `0` for never, else at "
                        + "least 2 s and shorter than `POOL_RECYCLE`."));
        add(db("statement-timeout", "STATEMENT_TIMEOUT").type(SECONDS, 30).atLeast(0)
                .meaning("Timeout of a statement that sets none of its own; `0` for none."));
        add(db("connect-timeout", "CONNECT_TIMEOUT").type(SECONDS, 10).atLeast(100)
                .meaning("The longest the driver waits to open a connection."));
        add(db("retry.max-retries", "MAX_RETRIES").type(INTEGER, 3).range(0, 100)
                .meaning("Retries of a transient fault (reads, and transactions on a serialization failure)."));
        add(db("retry.delay", "RETRY_DELAY").type(SECONDS, 0.05).atLeast(0)
                .meaning("The first retry's backoff (exponential with full jitter)."));
        add(db("slow-query-threshold", "SLOW_QUERY_THRESHOLD").type(SECONDS, 1).atLeast(0)
                .meaning("Queries at least this slow are kept in the slow-query list (`GET /metrics/database`)."));
        add(db("key-batching", "KEY_BATCHING").type(BOOLEAN, true)
                .meaning("Send concurrent reads of one key column (e.g. `GET /users/{id}`) as one `IN (...)` query."));
        add(db("key-batching.max-batch-size", "KEY_BATCH_SIZE").type(INTEGER, 128).range(1, 10_000)
                .meaning("Keys in one batched read."));
        add(db("key-batching.max-in-flight", "KEY_BATCHES_IN_FLIGHT").type(INTEGER, 1).range(1, 10_000)
                .meaning("Batched reads of one reader running at once."));
        add(db("instance-name", "INSTANCE_NAME").type(TEXT, "primary")
                .meaning("The database's name in logs, metric tags and errors."));
        add(Setting.builder(DATABASE, "weft.db.native-cache", "XDG_CACHE_HOME").type(PATH, "~/.cache")
                .meaning("The SQLite driver's native library is unpacked once under `$XDG_CACHE_HOME/weft` "
                        + "(else `~/.cache/weft`) instead of into the temporary directory on every start."));
    }

    // ---- cache ----

    /** {@code WEFT_CACHE_REDIS_URL} / {@code REDIS_URL}. */
    public static final Setting REDIS_URL = add(Setting.builder(CACHE, "weft.cache.redis.url",
            "WEFT_CACHE_REDIS_URL").alias("REDIS_URL").type(URL, "unset").secret().rule("`redis://` or `rediss://`")
            .meaning("Redis for the shared cache tier (in front: an in-process one), cache invalidation across "
                    + "instances and shared rate limits."));

    static {
        add(Setting.builder(CACHE, "weft.cache.namespace", "WEFT_CACHE_NAMESPACE").type(TEXT, "weft")
                .meaning("Prefix of every Redis key, for applications that read `RedisConfig.fromEnv` "
                        + "(weft-cache-redis); `weft serve` uses the default."));
    }

    // ---- provider ----

    /** {@code PROVIDER_URL}. */
    public static final Setting PROVIDER_URL = add(Setting.builder(PROVIDER, "weft.provider.url", "PROVIDER_URL")
            .type(URL, "unset: the local provider")
            .meaning("Base URL of the video provider (e.g. a `weft provider` or the real service). "
                    + "`WEFT_HTTP_PROVIDER_BASE_URL`, when set, wins."));
    /** {@code WEFT_LOCAL_PROVIDER_MS}. */
    public static final Setting LOCAL_PROVIDER_TIME = add(Setting.builder(PROVIDER, "weft.provider.local.time",
            "WEFT_LOCAL_PROVIDER_MS").type(MILLISECONDS, 3000).range(0, 3_600_000)
            .meaning("How long the local provider takes per video."));

    static {
        client("BASE_URL", URL, "`PROVIDER_URL`", "The provider's base URL.", "an absolute http(s) URL");
        client("CONNECT_TIMEOUT", SECONDS, 10, "The longest to wait to connect.", "at least 1 ms");
        client("RESPONSE_TIMEOUT", SECONDS, 30, "The longest to wait between bytes of a response.", "at least 1 ms");
        client("TOTAL_TIMEOUT", SECONDS, 60, "The longest one call may take, retries included.", "at least 1 ms");
        client("MAX_RETRIES", INTEGER, 3, "Retries of a call that failed in a retryable way.", "0 to 100");
        client("RETRY_DELAY", SECONDS, 1, "The first retry's backoff.", "at least 0");
        client("BACKOFF_FACTOR", NUMBER, 2.0, "Growth of the backoff per retry.", "1.0 to 100.0");
        client("MAX_RETRY_DELAY", SECONDS, 30, "Cap of the backoff.", "at least `RETRY_DELAY`");
        client("RETRY_BUDGET", NUMBER, 0.2, "Retries allowed per first attempt, so retries cannot multiply an "
                + "outage.", "0.0 to 10.0");
        client("MAX_CONNECTIONS", INTEGER, 100, "Pooled connections in all.", "at least 1");
        client("MAX_CONNECTIONS_PER_HOST", INTEGER, 10, "Pooled connections per host.", "at least 1");
        client("MAX_CONCURRENT_PER_HOST", INTEGER, "`MAX_CONNECTIONS_PER_HOST`", "Calls in flight per host "
                + "(bulkhead); callers beyond it wait in line.", "1 to 1000000");
        client("VERIFY_TLS", BOOLEAN, true, "Verify the server's certificate and host name.", "");
        client("TRUST_STORE", PATH, "the JDK's", "A trust store (PKCS#12) for the provider's certificate.", "");
        add(Setting.builder(PROVIDER_CLIENT, "weft.http.provider.trust-store-password",
                "WEFT_HTTP_PROVIDER_TRUST_STORE_PASSWORD").type(TEXT, "unset").secret()
                .meaning("The trust store's password."));
        client("COMPRESSION", BOOLEAN, true, "Ask for gzip responses.", "");
        client("KEEP_ALIVE", BOOLEAN, true, "Reuse connections.", "");
        client("CACHE", BOOLEAN, false, "Cache `GET` responses that allow it.", "");
        client("CACHE_TTL", SECONDS, 300, "The response cache's time to live.", "");
        client("RATE_LIMIT", INTEGER, 100, "Calls per second per host (shared through Redis when set).",
                "1 to 10000000");
        client("RATE_LIMIT_WAIT", SECONDS, 5, "The longest a call waits for the rate limit before failing with "
                + "`rate_limited`.", "at least 0");
        client("BREAKER_PRESET", SettingType.CHOICE, "unset", "`guides`: the design guides' breaker (5 calls, 60 s), "
                + "applied before the other breaker settings.", "guides");
        client("BREAKER_THRESHOLD", INTEGER, 20, "Calls in the breaker's window before it may open.", "1 to 10000");
        client("BREAKER_WINDOW", SECONDS, 10, "The breaker's sliding window.", "at least 1 s");
        client("BREAKER_FAILURE_RATE", INTEGER, 50, "Failure percentage that opens the breaker.", "1 to 100");
        client("BREAKER_SLOW_CALL", SECONDS, 10, "A call at least this slow counts as slow.", "at least 1 ms");
        client("BREAKER_SLOW_CALL_RATE", INTEGER, 80, "Slow-call percentage that opens the breaker.", "1 to 100");
        client("BREAKER_OPEN_TIME", SECONDS, 5, "How long the breaker stays open before it lets a probe through.",
                "at least 1 ms");
        add(Setting.builder(PROVIDER_CLIENT, "weft.http.provider.bearer-token", "WEFT_HTTP_PROVIDER_BEARER_TOKEN")
                .type(TEXT, "unset").secret().meaning("Sent as `Authorization: Bearer ...`."));
        add(Setting.builder(PROVIDER_CLIENT, "weft.http.provider.api-key", "WEFT_HTTP_PROVIDER_API_KEY")
                .type(TEXT, "unset").secret().meaning("Sent in the `API_KEY_HEADER` header."));
        client("API_KEY_HEADER", TEXT, "X-API-Key", "The header that carries `API_KEY`.", "");
        client("USER_AGENT", TEXT, "weft-http/0.1", "The `User-Agent` header.", "");
        client("ALLOWED_HOSTS", LIST, "the base URL's host", "Hosts the client may call (comma-separated).", "");
    }

    // ---- jobs ----

    /** {@code WEFT_JOBS_LEASE_MS}. */
    public static final Setting JOBS_LEASE = add(jobs("lease", "WEFT_JOBS_LEASE_MS", 6000).atLeast(500)
            .meaning("A claimed job's lease, renewed every third of it; a dead instance's jobs move to another "
                    + "after about this long."));
    /** {@code WEFT_JOBS_POLL_MS}. */
    public static final Setting JOBS_POLL = add(jobs("poll-interval", "WEFT_JOBS_POLL_MS", 500).atLeast(10)
            .rule("below `WEFT_JOBS_LEASE_MS`")
            .meaning("How often a running job polls the provider for its status; must be below the lease."));
    /** {@code WEFT_JOBS_IDLE_POLL_MS}. */
    public static final Setting JOBS_IDLE_POLL = add(jobs("idle-poll", "WEFT_JOBS_IDLE_POLL_MS", 1000).atLeast(10)
            .meaning("How often an idle instance looks for work no signal announced (jobs of other instances, retries "
                    + "coming due): one worker claims each time, not each worker."));
    /** {@code WEFT_JOBS_MAX_ATTEMPTS}. */
    public static final Setting JOBS_MAX_ATTEMPTS = add(Setting.builder(JOBS, "weft.jobs.max-attempts",
            "WEFT_JOBS_MAX_ATTEMPTS").type(INTEGER, 8).range(1, 100)
            .meaning("Real faults a job may meet before it fails (waits for an open breaker or a `429` do not "
                    + "count)."));
    /** {@code WEFT_JOBS_RETRY_DELAY_MS}. */
    public static final Setting JOBS_RETRY_DELAY = add(jobs("retry-delay", "WEFT_JOBS_RETRY_DELAY_MS", 1000)
            .atLeast(0).meaning("The first backoff after a fault (exponential with full jitter)."));
    /** {@code WEFT_JOBS_MAX_RETRY_DELAY_MS}. */
    public static final Setting JOBS_MAX_RETRY_DELAY = add(jobs("max-retry-delay", "WEFT_JOBS_MAX_RETRY_DELAY_MS",
            60_000).rule("at least `WEFT_JOBS_RETRY_DELAY_MS`").meaning("Cap of the backoff."));
    /** {@code WEFT_JOBS_DEADLINE_MS}. */
    public static final Setting JOBS_DEADLINE = add(jobs("deadline", "WEFT_JOBS_DEADLINE_MS", 3_600_000)
            .range(1000, 30L * 24 * 3_600_000)
            .meaning("A job not done by then fails; provider waits (open breaker, `429`) never fail it before."));
    /** {@code WEFT_EVENTS_KEEP_PER_USER}. */
    public static final Setting EVENTS_KEEP_PER_USER = add(Setting.builder(JOBS, "weft.events.keep-per-user",
            "WEFT_EVENTS_KEEP_PER_USER").type(INTEGER, 1000).range(1, 1_000_000)
            .meaning("Video events kept per user for `Last-Event-ID` resumes; older ones are pruned about once a "
                    + "minute."));
    /** {@code WEFT_EVENTS_MAX_AGE_MS}. */
    public static final Setting EVENTS_MAX_AGE = add(Setting.builder(JOBS, "weft.events.max-age",
            "WEFT_EVENTS_MAX_AGE_MS").type(MILLISECONDS, 86_400_000).atLeast(60_000)
            .meaning("Video events older than this are pruned."));
    /** {@code WEFT_EVENTS_POLL_MS}. */
    public static final Setting EVENTS_POLL = add(Setting.builder(JOBS, "weft.events.poll", "WEFT_EVENTS_POLL_MS")
            .type(MILLISECONDS, 250).range(10, 10_000)
            .meaning("How often an instance with open event streams reads the event log for events of other "
                    + "instances (its own go out at once)."));
    /** {@code WEFT_EVENTS_HEARTBEAT_MS}. */
    public static final Setting EVENTS_HEARTBEAT = add(Setting.builder(JOBS, "weft.events.heartbeat",
            "WEFT_EVENTS_HEARTBEAT_MS").type(MILLISECONDS, 15_000).range(100, 300_000)
            .meaning("A comment line on an idle event stream this often, so proxies keep it open."));
    /** {@code WEFT_EVENTS_MAX_STREAMS}. */
    public static final Setting EVENTS_MAX_STREAMS = add(Setting.builder(JOBS, "weft.events.max-streams",
            "WEFT_EVENTS_MAX_STREAMS").type(INTEGER, 1000).atLeast(1)
            .meaning("Event streams open at once on this instance; more get `503 streams_exhausted`."));
    /** {@code WEFT_EVENTS_MAX_STREAMS_PER_KEY}. */
    public static final Setting EVENTS_MAX_STREAMS_PER_KEY = add(Setting.builder(JOBS,
            "weft.events.max-streams-per-key", "WEFT_EVENTS_MAX_STREAMS_PER_KEY").type(INTEGER, 10).atLeast(1)
            .rule("at most `WEFT_EVENTS_MAX_STREAMS` (the default is lowered to it)")
            .meaning("Event streams one API key may hold open on this instance; more get `429`."));

    // ---- webhooks ----

    /** {@code WEFT_WEBHOOKS_ALLOW_HTTP_LOOPBACK}. */
    public static final Setting WEBHOOKS_ALLOW_HTTP_LOOPBACK = add(Setting.builder(WEBHOOKS,
            "weft.webhooks.allow-http-loopback", "WEFT_WEBHOOKS_ALLOW_HTTP_LOOPBACK").type(BOOLEAN, false)
            .meaning("For development: accept plain `http://` URLs whose host is a loopback address, and deliver to "
                    + "loopback. Without it every URL must be `https://` and loopback is refused like any private "
                    + "address."));
    /** {@code WEFT_WEBHOOKS_ALLOWED_NETWORKS}. */
    public static final Setting WEBHOOKS_ALLOWED_NETWORKS = add(Setting.builder(WEBHOOKS,
            "weft.webhooks.allowed-networks", "WEFT_WEBHOOKS_ALLOWED_NETWORKS").type(LIST, "none")
            .rule("comma-separated CIDR blocks (`10.1.2.0/24`, `fd00::/64`) or single addresses")
            .meaning("Private, loopback or link-local networks that webhook URLs may nevertheless reach (an internal "
                    + "receiver). Every other private, loopback, link-local, metadata or reserved address is refused "
                    + "at registration and at each delivery."));
    /** {@code WEFT_WEBHOOKS_TIMEOUT_MS}. */
    public static final Setting WEBHOOKS_TIMEOUT = add(Setting.builder(WEBHOOKS, "weft.webhooks.timeout",
            "WEFT_WEBHOOKS_TIMEOUT_MS").type(MILLISECONDS, 10_000).range(100, 60_000)
            .meaning("How long one delivery attempt may take, connect to last byte; a slower receiver's attempt "
                    + "fails and is retried."));
    /** {@code WEFT_WEBHOOKS_MAX_RESPONSE_BYTES}. */
    public static final Setting WEBHOOKS_MAX_RESPONSE_BYTES = add(Setting.builder(WEBHOOKS,
            "weft.webhooks.max-response-bytes", "WEFT_WEBHOOKS_MAX_RESPONSE_BYTES").type(BYTES, 65_536)
            .range(1024, 1L << 20)
            .meaning("How much of a receiver's answer is read (the rest is dropped); the status decides."));
    /** {@code WEFT_WEBHOOKS_SECRET_KEY}. */
    public static final Setting WEBHOOKS_SECRET_KEY = add(Setting.builder(WEBHOOKS, "weft.webhooks.secret-key",
            "WEFT_WEBHOOKS_SECRET_KEY").type(TEXT, "generated and kept in the database").secret()
            .rule("32 bytes, base64")
            .meaning("The key that encrypts (AES-256-GCM) the secrets stored in the database: webhook and callback "
                    + "signing secrets, and the new users' API keys kept for `Idempotency-Key` replays (24 h). Unset, "
                    + "one is generated on first start and kept in the database's settings table, which protects a "
                    + "dump of those tables alone; set it (the same on every instance) to keep the key out "
                    + "of the database."));
    /** {@code WEFT_WEBHOOKS_RETRY_FOR_MS}. */
    public static final Setting WEBHOOKS_RETRY_FOR = add(Setting.builder(WEBHOOKS, "weft.webhooks.retry-for",
            "WEFT_WEBHOOKS_RETRY_FOR_MS").type(MILLISECONDS, 86_400_000).range(1_000, 7L * 86_400_000)
            .meaning("How long a delivery is retried (exponential backoff with jitter, `Retry-After` honoured) "
                    + "before it is marked failed."));
    /** {@code WEFT_WEBHOOKS_DISABLE_AFTER_MS}. */
    public static final Setting WEBHOOKS_DISABLE_AFTER = add(Setting.builder(WEBHOOKS,
            "weft.webhooks.disable-after", "WEFT_WEBHOOKS_DISABLE_AFTER_MS").type(MILLISECONDS, 86_400_000)
            .range(1_000, 30L * 86_400_000)
            .meaning("A webhook whose every attempt has failed for this long is disabled (its owner sees why and "
                    + "can enable it again); `410 Gone` disables it at once."));
    /** {@code WEFT_WEBHOOKS_MAX_PER_USER}. */
    public static final Setting WEBHOOKS_MAX_PER_USER = add(Setting.builder(WEBHOOKS,
            "weft.webhooks.max-per-user", "WEFT_WEBHOOKS_MAX_PER_USER").type(INTEGER, 10).range(1, 1000)
            .meaning("Webhooks one user may register."));

    // ---- logging ----

    /** {@code WEFT_LOG_FORMAT}. */
    public static final Setting LOG_FORMAT = add(Setting.builder(LOGGING, "weft.log.format", "WEFT_LOG_FORMAT")
            .property("WEFT_LOG_FORMAT").choices("ecs", "json", "logstash", "text").defaults("ecs")
            .meaning("`ecs`: Elastic Common Schema JSON lines (`json` is an alias); `logstash`: "
                    + "logstash-logback-encoder's schema; `text`: plain lines for a terminal."));
    /** {@code WEFT_LOG_LEVEL}. */
    public static final Setting LOG_LEVEL = add(Setting.builder(LOGGING, "weft.log.level", "WEFT_LOG_LEVEL")
            .property("WEFT_LOG_LEVEL").choices("trace", "debug", "info", "warn", "error", "off").defaults("info")
            .meaning("The root log level (HikariCP stays at `warn`; Apache HttpClient's header and wire logs stay off "
                    + "at every level, as they would print the provider's credentials and every body)."));
    /** {@code WEFT_ACCESS_LOG}. */
    public static final Setting ACCESS_LOG = add(Setting.builder(LOGGING, "weft.log.access", "WEFT_ACCESS_LOG")
            .property("WEFT_ACCESS_LOG").choices("off", "on", "trace", "debug", "info", "warn", "error")
            .defaults("off").meaning("The access log, one line per request: `on` or `info` turns it on "
                    + "(`/metrics` counts every request either way)."));
    /** {@code logback.configurationFile}. */
    public static final Setting LOGBACK_FILE = add(Setting.builder(LOGGING, "logback.configuration-file", null)
            .property("logback.configurationFile").type(PATH, "unset")
            .meaning("A logback configuration that replaces weft's logging setup (as would a `logback.xml` on the "
                    + "class path); give it in `JAVA_OPTS`."));

    // ---- tracing ----

    /** {@code OTEL_EXPORTER_OTLP_ENDPOINT}. */
    public static final Setting OTLP_ENDPOINT = add(otel("exporter.otlp.endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT",
            URL, "unset").meaning("Set: traces are exported over OTLP to this collector."));
    /** {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}. */
    public static final Setting OTLP_TRACES_ENDPOINT = add(otel("exporter.otlp.traces.endpoint",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", URL, "unset")
            .meaning("Set: traces are exported over OTLP to this endpoint."));
    /** {@code OTEL_TRACES_EXPORTER}. */
    public static final Setting TRACES_EXPORTER = add(otel("traces.exporter", "OTEL_TRACES_EXPORTER", TEXT, "unset")
            .meaning("Set to anything but `none`: traces are exported with that exporter (`otlp`, `console`, ...)."));
    /** {@code OTEL_SDK_DISABLED}. */
    public static final Setting SDK_DISABLED = add(otel("sdk.disabled", "OTEL_SDK_DISABLED", BOOLEAN, false)
            .meaning("`true` turns tracing off whatever else is set."));
    /** {@code OTEL_SERVICE_NAME}. */
    public static final Setting SERVICE_NAME = add(Setting.builder(TRACING, "otel.service.name", "OTEL_SERVICE_NAME")
            .property("OTEL_SERVICE_NAME").type(TEXT, "weft")
            .meaning("The service's name in traces and in every log line (`service.name`)."));

    // ---- launcher ----

    static {
        add(Setting.builder(LAUNCHER, "java.options", "JAVA_OPTS").type(JVM_OPTIONS, "unset")
                .meaning("Options for the JVM that `bin/weft` starts (e.g. `-Xmx1g`); they come after weft's own "
                        + "(`-Xms64m`, the native heap trimmer, the AOT cache), so they win."));
    }

    private Settings() {
    }

    /**
     * @return the process environment with the settings file ({@code WEFT_CONFIG_FILE}) under it; what the service's
     *     config readers are given
     * @throws dev.weft.core.InvalidConfigException if the file cannot be read or names an unknown setting
     */
    public static Map<String, String> environment() {
        return ConfigFile.under(System.getenv());
    }

    /** @return every setting, in the docs' order (by group, then as listed) */
    public static List<Setting> all() {
        return ALL.stream().sorted(Comparator.comparing(Setting::group)).toList();
    }

    /**
     * @param variable an environment variable
     * @return the setting it sets, as its main variable or an alias
     */
    public static Optional<Setting> byVariable(String variable) {
        return ALL.stream().filter(setting -> setting.variables().contains(variable)).findFirst();
    }

    private static Setting add(Setting.Builder builder) {
        Setting setting = builder.build();
        ALL.add(setting);
        return setting;
    }

    private static Setting.Builder db(String key, String suffix) {
        return Setting.builder(DATABASE, "weft.db." + key, "WEFT_DB_" + suffix).alias("DATABASE_" + suffix);
    }

    private static Setting.Builder jobs(String key, String env, long defaultMillis) {
        return Setting.builder(JOBS, "weft.jobs." + key, env).type(MILLISECONDS, defaultMillis);
    }

    private static Setting.Builder otel(String key, String env, SettingType type, Object defaultShown) {
        return Setting.builder(TRACING, "otel." + key, env).property("otel." + key).type(type, defaultShown);
    }

    private static void client(String suffix, SettingType type, Object defaultShown, String meaning, String rule) {
        String key = "weft.http.provider." + suffix.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        Setting.Builder builder = Setting.builder(PROVIDER_CLIENT, key, "WEFT_HTTP_PROVIDER_" + suffix)
                .type(type, defaultShown).meaning(meaning).rule(rule);
        if (type == SettingType.CHOICE) {
            builder.choices(rule);
        }
        add(builder);
    }
}
