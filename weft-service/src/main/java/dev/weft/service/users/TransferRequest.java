package dev.weft.service.users;

import dev.weft.service.Validation;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /transfer}.
 *
 * @param fromUserId the payer
 * @param toUserId the payee, a different user
 * @param amount 1..10^12 credits
 */
public record TransferRequest(@Nullable Long fromUserId, @Nullable Long toUserId, @Nullable Long amount) {
    /** The largest amount of one transfer. */
    public static final long MAX_AMOUNT = 1_000_000_000_000L;

    /** Validates every field. */
    public TransferRequest {
        Validation validation = Validation.start();
        if (validation.required("from_user_id", fromUserId)) {
            validation.range("from_user_id", fromUserId, 1, Long.MAX_VALUE);
        }
        if (validation.required("to_user_id", toUserId)) {
            validation.range("to_user_id", toUserId, 1, Long.MAX_VALUE);
        }
        if (validation.required("amount", amount)) {
            validation.range("amount", amount, 1, MAX_AMOUNT);
        }
        if (fromUserId != null && Objects.equals(fromUserId, toUserId)) {
            validation.fail("to_user_id", "must differ from from_user_id");
        }
        validation.check();
    }
}
