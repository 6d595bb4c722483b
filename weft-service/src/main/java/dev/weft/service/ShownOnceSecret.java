package dev.weft.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.service.webhooks.SecretBox;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A secret that an idempotent answer shows once (a new user's API key, a callback's signing secret): the answer kept
 * in {@code idempotency_keys} for replays holds it sealed by the service's {@link SecretBox}, under its own member
 * name, so no usable secret sits in that table; {@link #reveal} puts the plain secret back, in the same place, on the
 * way out of the first answer and of every replay, and adds {@code Cache-Control: no-store} so that no cache keeps a
 * copy.
 *
 * <p>Thread-safe.
 */
public final class ShownOnceSecret {
    private static final String NO_STORE_HEADER = "Cache-Control";
    private static final String NO_STORE = "no-store";

    private final String member;
    private final String sealedMember;
    private final SecretBox box;

    /**
     * @param member the member the client sees the secret in ({@code api_key})
     * @param box the service's box
     */
    public ShownOnceSecret(String member, SecretBox box) {
        this.member = Objects.requireNonNull(member, "member");
        this.sealedMember = member + "_sealed";
        this.box = Objects.requireNonNull(box, "box");
    }

    /**
     * @param secret the plain secret
     * @return it sealed, to store under {@link #sealedMember()} in the answer's body
     */
    public String seal(String secret) {
        return box.seal(Objects.requireNonNull(secret, "secret"));
    }

    /** @return the member that holds the sealed secret in a stored answer; never sent */
    public String sealedMember() {
        return sealedMember;
    }

    /**
     * @param answer a first answer or a replay: a body built of maps, or a replay's JSON object
     * @return the answer as the client gets it: the sealed member replaced by the plain secret and
     *     {@code Cache-Control: no-store}; an answer without the sealed member unchanged
     */
    public Idempotency.Answer reveal(Idempotency.Answer answer) {
        Object body = answer.body();
        if (body instanceof Map<?, ?> map && map.get(sealedMember) instanceof String sealed) {
            Map<Object, Object> shown = new LinkedHashMap<>(map);
            shown.remove(sealedMember);
            shown.put(member, box.unseal(sealed));
            return new Idempotency.Answer(answer.status(), shown, noStore(answer.headers()));
        }
        if (body instanceof ObjectNode node && node.path(sealedMember).isTextual()) {
            ObjectNode shown = node.deepCopy();
            String sealed = shown.remove(sealedMember).asText();
            shown.put(member, box.unseal(sealed));
            return new Idempotency.Answer(answer.status(), shown, noStore(answer.headers()));
        }
        return answer;
    }

    /**
     * {@link #reveal} for an answer that shows many secrets, one in each element of an array (a batch of new users):
     * each element's sealed member replaced by the plain secret, and {@code Cache-Control: no-store} whether or not
     * any element was sealed (an answer given without an {@code Idempotency-Key} is not kept, so it holds them
     * plain).
     *
     * @param answer a first answer (a JSON object it built) or a replay
     * @param arrayMember the member of the body that holds the array
     * @return the answer as the client gets it
     */
    public Idempotency.Answer revealEach(Idempotency.Answer answer, String arrayMember) {
        Objects.requireNonNull(arrayMember, "arrayMember");
        Object body = answer.body();
        if (body instanceof ObjectNode node && node.path(arrayMember).isArray()) {
            ObjectNode shown = node.deepCopy();
            for (JsonNode element : shown.path(arrayMember)) {
                if (element instanceof ObjectNode item && item.path(sealedMember).isTextual()) {
                    String sealed = item.remove(sealedMember).asText();
                    item.put(member, box.unseal(sealed));
                }
            }
            body = shown;
        }
        return new Idempotency.Answer(answer.status(), body, noStore(answer.headers()));
    }

    /**
     * @param exchange an answer that shows a secret outside the idempotency store (a rotated key, a webhook's secret)
     */
    public static void noStore(Exchange exchange) {
        exchange.responseHeader(NO_STORE_HEADER, NO_STORE);
    }

    private static Map<String, String> noStore(Map<String, String> headers) {
        Map<String, String> withNoStore = new LinkedHashMap<>(headers);
        withNoStore.put(NO_STORE_HEADER, NO_STORE);
        return withNoStore;
    }
}
