package dev.weft.service.settings;

import org.jspecify.annotations.Nullable;

/** The sections of the configuration reference, in the order the docs and {@code serve --help} show them. */
public enum SettingGroup {
    /** Where and how the HTTP service listens and what it accepts. */
    SERVER("Server", "Read by `weft serve` (and by `migrate`, which opens the same data)."),
    /** The database. */
    DATABASE("Database", "Read by `weft serve`, `weft migrate`, `weft users import` and `DatabaseConfig.fromEnv` "
            + "(weft-db). Each `WEFT_DB_*` variable wins over its `DATABASE_*` alias (the guides' name). With none "
            + "of `URL` and `TYPE` set, the service uses the embedded SQLite file `weft.db` under the data "
            + "directory, with the pool, timeout, retry and key-batching variables below applied to it as to a "
            + "server; `HOST`, `PORT`, `NAME`, `USER` or `PASSWORD` set without `URL` or `TYPE` is refused (it "
            + "would otherwise be ignored).", null, "each also as DATABASE_*, e.g. DATABASE_URL; WEFT_DB_* wins"),
    /** The shared cache tier and rate limits. */
    CACHE("Cache and Redis", "Without a Redis URL the cache is in-process and rate limits are per instance.", null,
            "WEFT_CACHE_REDIS_URL also as REDIS_URL"),
    /** The video provider. */
    PROVIDER("Video provider", "With no `PROVIDER_URL` the service runs the local, in-process provider."),
    /**
     * The HTTP client that calls the provider: weft-http's {@code WEFT_HTTP_<NAME>_*} variables for the client named
     * {@code provider}.
     */
    PROVIDER_CLIENT("Provider HTTP client", "weft-http's `ApiConfig.fromEnv(name, env)` reads "
            + "`WEFT_HTTP_<NAME>_<SETTING>`; the service's client to the provider is named `provider`, so its "
            + "variables are the ones below (used only when `PROVIDER_URL` is set). An application of its own "
            + "reads the same settings under the name it picks.",
            "WEFT_HTTP_PROVIDER_*: the provider client's timeouts, retry, breaker, TLS", null),
    /** The durable job engine. */
    JOBS("Jobs", "The job engine's timing. The worker count is `WEFT_WORKERS` (`--workers`)."),
    /** Webhooks and per-job callbacks. */
    WEBHOOKS("Webhooks", "Signed deliveries of video events (Standard Webhooks) to registered URLs and to a job's "
            + "`callback_url`, written in the transaction of the status change and sent by the job workers."),
    /** Logging. */
    LOGGING("Logging", "One line per event on stderr. Each of these is read as a system property of the same name "
            + "first (`-DWEFT_LOG_LEVEL=DEBUG` in `JAVA_OPTS`), then from the environment."),
    /** Tracing. */
    TRACING("Tracing (OpenTelemetry)", "Traces are exported only when one of the first three variables asks for "
            + "it; without them no SDK is loaded. When export is on, the OpenTelemetry SDK's autoconfigure module "
            + "also reads every other `OTEL_*` variable it documents (protocol, headers, sampler, batch processor, "
            + "resource attributes, ...): "
            + "<https://opentelemetry.io/docs/languages/java/configuration/>. Each may also be given as the "
            + "system property of the SDK's rule (`otel.traces.exporter`), which wins. OTLP goes over HTTP/protobuf "
            + "(`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`, the default); `grpc` or `http/json`, which the SDK "
            + "cannot send here, or any setting the SDK refuses, ends the start before the database is opened, with "
            + "one line and exit code 3."),
    /** The launcher script. */
    LAUNCHER("Launcher", "Read by `bin/weft`, not by Java code.");

    private final String title;
    private final String intro;
    private final @Nullable String helpSummary;
    private final @Nullable String helpNote;

    SettingGroup(String title, String intro) {
        this(title, intro, null, null);
    }

    SettingGroup(String title, String intro, @Nullable String helpSummary, @Nullable String helpNote) {
        this.title = title;
        this.intro = intro;
        this.helpSummary = helpSummary;
        this.helpNote = helpNote;
    }

    /** @return the section's title */
    public String title() {
        return title;
    }

    /** @return the paragraph that opens the section in the docs (Markdown) */
    public String intro() {
        return intro;
    }

    /**
     * @return the one line {@code serve --help} shows instead of each setting, for a group too long to list there;
     *     {@code null} to list each
     */
    public @Nullable String helpSummary() {
        return helpSummary;
    }

    /** @return a line {@code serve --help} shows under the title (e.g. the variables' aliases), or {@code null} */
    public @Nullable String helpNote() {
        return helpNote;
    }
}
