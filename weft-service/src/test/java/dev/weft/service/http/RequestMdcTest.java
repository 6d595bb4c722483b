package dev.weft.service.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import dev.weft.service.Tracing;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.spi.MDCAdapter;

/**
 * Log events get the request's ids from {@link RequestState} through {@link RequestMdc}, with nothing put in the
 * MDC, on a Logback context of the test's own (the provider's adapter underneath, as in the service).
 */
class RequestMdcTest {
    private final LoggerContext context = new LoggerContext();
    private final LogbackMDCAdapter slf4jMdc = new LogbackMDCAdapter();
    /** Each event's MDC as an encoder reads it: while the event is appended, on the thread that logged it. */
    private final List<Map<String, String>> appended = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> events = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            appended.add(event.getMDCPropertyMap());
        }
    };
    private Logger logger;

    @BeforeEach
    void setUp() {
        context.setMDCAdapter(slf4jMdc);
        RequestMdc.install(context);
        logger = context.getLogger("test");
        events.setContext(context);
        events.start();
    }

    @AfterEach
    void tearDown() {
        slf4jMdc.clear();
        context.stop();
    }

    @Test
    void anEventLoggedInARequestCarriesItsIdThoughNothingWasPutInTheMdc() {
        logger.addAppender(events);

        inRequest(new RequestState("r-1"), () -> logger.info("inside"));

        assertThat(appended).containsExactly(Map.of("request_id", "r-1"));
        assertThat(slf4jMdc.get("request_id")).isNull();
    }

    @Test
    void theMdcsOwnKeysStayAndAnEventOutsideARequestHasNoRequestId() {
        logger.addAppender(events);
        slf4jMdc.put("job.id", "j-1");

        logger.info("outside");
        inRequest(new RequestState("r-1"), () -> logger.info("inside"));

        assertThat(appended).containsExactly(Map.of("job.id", "j-1"), Map.of("job.id", "j-1", "request_id", "r-1"));
        assertThat(slf4jMdc.getPropertyMap()).as("the thread's MDC is untouched").isEqualTo(Map.of("job.id", "j-1"));
    }

    @Test
    void aTracedRequestAlsoGivesItsServerSpansIds() {
        logger.addAppender(events);
        RequestState traced = new RequestState("r-2");
        traced.span(SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", TraceFlags.getSampled(),
                TraceState.getDefault()));

        inRequest(traced, () -> logger.info("traced"));

        assertThat(appended).singleElement().satisfies(mdc -> assertThat(mdc)
                .containsEntry("request_id", "r-2")
                .containsEntry(Tracing.TRACE_ID_MDC, "4bf92f3577b34da6a3ce929d0e0e4736")
                .containsEntry(Tracing.SPAN_ID_MDC, "00f067aa0ba902b7"));
        assertThat(context.getMDCAdapter().get(Tracing.SPAN_ID_MDC)).as("outside the request").isNull();
    }

    @Test
    @Timeout(10)
    void anAsynchronousAppenderWritesTheIdOfTheRequestThatLoggedAfterItsScopeEnded() throws Exception {
        CountDownLatch scopesEnded = new CountDownLatch(1);
        List<Map<String, String>> written = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> slow = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                try {
                    // the worker reads each event only once both requests are over
                    scopesEnded.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.add(event.getMDCPropertyMap());
            }
        };
        slow.setContext(context);
        slow.start();
        AsyncAppender async = new AsyncAppender();
        async.setContext(context);
        async.addAppender(slow);
        async.start();
        logger.addAppender(async);

        inRequest(new RequestState("r-1"), () -> logger.info("first"));
        inRequest(new RequestState("r-2"), () -> logger.info("second"));
        scopesEnded.countDown();

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> written.size() == 2);
        assertThat(written).containsExactly(Map.of("request_id", "r-1"), Map.of("request_id", "r-2"));
        async.stop();
    }

    @Test
    void aSecondInstallChangesNothing() {
        MDCAdapter installed = context.getMDCAdapter();

        RequestMdc.install(context);

        assertThat(installed).isInstanceOf(RequestMdc.class);
        assertThat(context.getMDCAdapter()).isSameAs(installed);
    }

    private static void inRequest(RequestState state, Runnable work) {
        ScopedValue.where(RequestState.CURRENT, state).run(work);
    }
}
