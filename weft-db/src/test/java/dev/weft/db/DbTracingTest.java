package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** weft-db's spans against real PostgreSQL, MariaDB and SQLite, exported to an in-memory SDK. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DbTracingTest {
    private static final String SECRET = "s3cret-value-4711";

    record Item(long id, String name) {
    }

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .build();
    private final Tracer testTracer = sdk.getTracer("test");

    @AfterEach
    void closeSdk() {
        sdk.close();
    }

    private Database open(TestDatabases target) {
        return Database.builder(target.config()).openTelemetry(sdk).build();
    }

    private static String createItems(Database db, TestDatabases target) {
        String table = TestDatabases.table("traced");
        db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE)"
                + target.tableOptions());
        return table;
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void makesAClientSpanPerStatementUnderTheCallersSpanWithoutValues(TestDatabases target) {
        try (Database db = open(target)) {
            String table = createItems(db, target);
            db.execute("INSERT INTO " + table + " (id, name) VALUES (:id, :name)", Map.of("id", 1, "name", SECRET));
            exporter.reset();

            Span parent = underParent(() -> db.query("SELECT id, name FROM " + table + " WHERE name = :name",
                    Map.of("name", SECRET), Item.class));

            SpanData span = only(clientSpans());
            assertThat(span.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
            assertThat(span.getName()).isEqualTo("SELECT " + table);
            String system = target.name().toLowerCase(java.util.Locale.ROOT);
            assertThat(span.getAttributes().get(DbTracing.SYSTEM_NAME)).isEqualTo(system);
            assertThat(span.getAttributes().get(DbTracing.SYSTEM)).isEqualTo(system);
            assertThat(span.getAttributes().get(DbTracing.OPERATION_NAME)).isEqualTo("SELECT");
            assertThat(span.getAttributes().get(DbTracing.OPERATION)).isEqualTo("SELECT");
            assertThat(span.getAttributes().get(DbTracing.COLLECTION)).isEqualTo(table);
            assertThat(span.getAttributes().get(DbTracing.QUERY_TEXT))
                    .isEqualTo("SELECT id, name FROM " + table + " WHERE name = :name");
            assertThat(span.getAttributes().get(DbTracing.NAMESPACE)).isEqualTo(db.config().database());
            assertThat(span.getAttributes().get(DbTracing.RESPONSE_ROWS)).isEqualTo(1L);
            if (target != TestDatabases.SQLITE) {
                assertThat(span.getAttributes().get(DbTracing.SERVER_ADDRESS)).isEqualTo("127.0.0.1");
                assertThat(span.getAttributes().get(DbTracing.SERVER_PORT)).isEqualTo((long) db.config().port());
            }
            assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
            assertNoValueIn(exporter.getFinishedSpanItems());
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void nestsATransactionsStatementsUnderAnInternalSpan(TestDatabases target) {
        try (Database db = open(target)) {
            String table = createItems(db, target);
            exporter.reset();

            Span parent = underParent(() -> db.inTransaction(tx -> {
                tx.insert(table, Map.of("id", 2, "name", SECRET)).execute();
                return tx.query("SELECT name FROM " + table + " WHERE id = :id", Map.of("id", 2), String.class);
            }));

            SpanData transaction = exporter.getFinishedSpanItems().stream()
                    .filter(span -> span.getName().equals("transaction")).findFirst().orElseThrow();
            assertThat(transaction.getKind()).isEqualTo(SpanKind.INTERNAL);
            assertThat(transaction.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
            List<SpanData> statements = clientSpans();
            assertThat(statements).extracting(SpanData::getName).containsExactly("INSERT " + table,
                    "SELECT " + table);
            assertThat(statements).allMatch(span -> span.getParentSpanId().equals(transaction.getSpanId()));
            assertNoValueIn(exporter.getFinishedSpanItems());
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void marksAFailedStatementWithItsTypeAndNoMessage(TestDatabases target) {
        try (Database db = open(target)) {
            String table = createItems(db, target);
            db.insert(table, Map.of("id", 1, "name", SECRET)).execute();
            exporter.reset();

            underParent(() -> assertThatThrownBy(() -> db.insert(table, Map.of("id", 2, "name", SECRET)).execute())
                    .isInstanceOf(ConstraintViolationException.class));

            SpanData span = only(clientSpans());
            assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(span.getStatus().getDescription()).isEmpty();
            assertThat(span.getAttributes().get(DbTracing.ERROR_TYPE))
                    .isEqualTo(ConstraintViolationException.class.getName());
            assertThat(span.getEvents()).noneMatch(event -> event.getName().equals("exception"));
            assertNoValueIn(exporter.getFinishedSpanItems());
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void nestsACachedQuerysLoadUnderItsCacheSpanAndMakesNoQuerySpanOnAHit(TestDatabases target) {
        try (Database db = open(target)) {
            String table = createItems(db, target);
            db.insert(table, Map.of("id", 1, "name", "a")).execute();
            String sql = "SELECT id, name FROM " + table + " WHERE id = :id";
            exporter.reset();

            underParent(() -> db.statement(sql).bind("id", 1).cached(Duration.ofMinutes(1)).list(Item.class));
            underParent(() -> db.statement(sql).bind("id", 1).cached(Duration.ofMinutes(1)).list(Item.class));

            List<SpanData> cacheSpans = exporter.getFinishedSpanItems().stream()
                    .filter(span -> span.getName().startsWith("getOrLoad ")).toList();
            assertThat(cacheSpans).hasSize(2);
            assertThat(cacheSpans).extracting(span -> span.getAttributes().get(
                    io.opentelemetry.api.common.AttributeKey.booleanKey("cache.hit"))).containsExactly(false, true);
            SpanData query = only(clientSpans());
            assertThat(query.getParentSpanId()).isEqualTo(cacheSpans.getFirst().getSpanId());
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void makesNoSpanOutsideATrace(TestDatabases target) {
        try (Database db = open(target)) {
            String table = createItems(db, target);
            db.insert(table, Map.of("id", 1, "name", "a")).execute();
            db.query("SELECT id, name FROM " + table, Map.of(), Item.class);
            db.health(Duration.ofSeconds(2));
            db.execute("DROP TABLE " + table);

            assertThat(exporter.getFinishedSpanItems()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void tracesAKeyBatchUnderItsSenderAndEachWaitingCallerInItsOwnTrace(TestDatabases target) throws Exception {
        DatabaseConfig config = target.config(builder -> builder.poolSize(1)
                .keyBatching(KeyBatchingConfig.defaults().withMaxInFlight(1)));
        try (Database db = Database.builder(config).openTelemetry(sdk).build()) {
            String table = createItems(db, target);
            for (long id = 1; id <= 10; id++) {
                db.insert(table, Map.of("id", id, "name", "item-" + id)).execute();
            }
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");
            exporter.reset();
            Span parent = testTracer.spanBuilder("test parent").startSpan();
            List<Thread> callers = new ArrayList<>();

            try (Scope ignored = parent.makeCurrent();
                    Stream<Integer> held = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class)) {
                held.iterator().next();
                for (long id = 1; id <= 10; id++) {
                    long key = id;
                    Runnable find = () -> reader.find(key);
                    callers.add(Thread.ofVirtual().start(Context.current().wrap(find)));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> callers.stream().allMatch(
                        thread -> thread.getState() == Thread.State.WAITING
                                || thread.getState() == Thread.State.TIMED_WAITING)
                        && db.poolStatus().waiting() >= 1);
            }
            for (Thread caller : callers) {
                caller.join();
            }
            parent.end();

            List<SpanData> spans = exporter.getFinishedSpanItems();
            assertThat(spans).allMatch(span -> span.getTraceId().equals(parent.getSpanContext().getTraceId()));
            assertThat(clientSpans()).anySatisfy(span -> {
                assertThat(span.getAttributes().get(DbTracing.BATCH_SIZE)).isGreaterThan(1L);
                assertThat(span.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
            });
            assertThat(spans).anyMatch(span -> span.getName().equals("keyed read " + table)
                    && span.getKind() == SpanKind.INTERNAL);
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void notesAWaitForAConnectionAsAnEventOnTheStatementsSpan(TestDatabases target) throws Exception {
        try (Database db = Database.builder(target.config(builder -> builder.poolSize(1))).openTelemetry(sdk)
                .build()) {
            Span parent = testTracer.spanBuilder("test parent").startSpan();
            Thread caller;

            try (Stream<Integer> held = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class)) {
                held.iterator().next();
                try (Scope ignored = parent.makeCurrent()) {
                    Runnable query = () -> db.query("SELECT 3", Map.of(), Integer.class);
                    caller = Thread.ofVirtual().start(Context.current().wrap(query));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> db.poolStatus().waiting() >= 1);
            }
            caller.join();
            parent.end();

            SpanData span = only(clientSpans());
            assertThat(span.getEvents()).anySatisfy(event -> {
                assertThat(event.getName()).isEqualTo(DbTracing.POOL_WAIT);
                assertThat(event.getAttributes().get(DbTracing.POOL_WAIT_MS)).isGreaterThanOrEqualTo(1.0);
            });
        }
    }

    /** Also guards that Connector/J's own tracing stays off: it would freeze the unset global on connect. */
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"MYSQL", "SQLITE"})
    void worksUnchangedWithoutAnyOpenTelemetryConfigured(TestDatabases target) {
        try (Database db = target.open()) {

            List<Integer> one = underParentValue(() -> db.query("SELECT 1", Map.of(), Integer.class));

            assertThat(one).containsExactly(1);
            assertThat(exporter.getFinishedSpanItems()).extracting(SpanData::getName).containsExactly("test parent");
        }
        assertThat(GlobalOpenTelemetry.isSet()).isFalse();
    }

    private static void assertNoValueIn(List<SpanData> spans) {
        assertThat(spans).isNotEmpty();
        for (SpanData span : spans) {
            assertThat(span.getName()).doesNotContain(SECRET);
            assertThat(span.getAttributes().asMap().values()).noneMatch(value -> value.toString().contains(SECRET));
            assertThat(span.getEvents()).noneMatch(event -> event.getName().equals("exception"));
        }
    }

    private Span underParent(Runnable work) {
        Span parent = testTracer.spanBuilder("test parent").startSpan();
        try (Scope ignored = parent.makeCurrent()) {
            work.run();
        } finally {
            parent.end();
        }
        return parent;
    }

    private <T> T underParentValue(Supplier<T> work) {
        Span parent = testTracer.spanBuilder("test parent").startSpan();
        try (Scope ignored = parent.makeCurrent()) {
            return work.get();
        } finally {
            parent.end();
        }
    }

    private List<SpanData> clientSpans() {
        return exporter.getFinishedSpanItems().stream().filter(span -> span.getKind() == SpanKind.CLIENT).toList();
    }

    private static SpanData only(List<SpanData> spans) {
        assertThat(spans).hasSize(1);
        return spans.getFirst();
    }
}
