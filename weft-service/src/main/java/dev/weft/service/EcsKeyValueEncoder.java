package dev.weft.service;

import ch.qos.logback.classic.spi.ILoggingEvent;
import co.elastic.logging.JsonUtils;
import co.elastic.logging.logback.EcsEncoder;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.KeyValuePair;

/**
 * Elastic's {@link EcsEncoder} plus the SLF4J 2 key-values ({@code addKeyValue}) as flat, typed top-level fields:
 * numbers stay JSON numbers and booleans booleans. {@code EcsEncoder} 1.7 drops key-values altogether; its
 * {@link #addCustomFields} hook, called between the MDC fields and the {@code error.*} fields, is the place to add
 * them, so the line keeps Elastic's writer (no Jackson on the logging path) and schema.
 *
 * <p>A key-value that would repeat a field already on the line is left out, because Elasticsearch rejects a
 * document with a duplicate key: an MDC key ({@code request_id} is both in the MDC and on the access line), a field
 * the encoder writes itself, and {@code error.*} when the event carries a throwable.
 */
final class EcsKeyValueEncoder extends EcsEncoder {
    private static final Set<String> WRITTEN_BY_THE_ENCODER = Set.of("@timestamp", "log.level", "message",
            "ecs.version", "service.name", "service.version", "event.dataset", "process.thread.name", "log.logger");
    private static final Set<String> WRITTEN_FOR_A_THROWABLE = Set.of("error.type", "error.message",
            "error.stack_trace");

    @Override
    protected void addCustomFields(ILoggingEvent event, StringBuilder builder) {
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs == null || pairs.isEmpty()) {
            return;
        }
        Map<String, String> mdc = event.getMDCPropertyMap();
        boolean throwable = event.getThrowableProxy() != null;
        for (KeyValuePair pair : pairs) {
            String key = pair.key;
            if (key == null || mdc.containsKey(key) || WRITTEN_BY_THE_ENCODER.contains(key)
                    || (throwable && WRITTEN_FOR_A_THROWABLE.contains(key))) {
                continue;
            }
            builder.append('"');
            JsonUtils.quoteAsString(key, builder);
            builder.append("\":");
            appendValue(pair.value, builder);
            builder.append(',');
        }
    }

    private static void appendValue(@Nullable Object value, StringBuilder builder) {
        switch (value) {
            case null -> builder.append("null");
            case Boolean bool -> builder.append(bool.booleanValue());
            case Integer _, Long _, Short _, Byte _, BigInteger _, BigDecimal _ -> builder.append(value);
            case Double number when Double.isFinite(number) -> builder.append(number.doubleValue());
            case Float number when Float.isFinite(number) -> builder.append(number.floatValue());
            default -> {
                // NaN, infinities and everything else as a JSON string
                builder.append('"');
                JsonUtils.quoteAsString(String.valueOf(value), builder);
                builder.append('"');
            }
        }
    }
}
