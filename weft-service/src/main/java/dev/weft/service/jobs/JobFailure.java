package dev.weft.service.jobs;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;

/** A job-level failure that is not a provider or database exception; its message is user-facing. */
final class JobFailure extends WeftException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    JobFailure(String code, String message, boolean retryable) {
        super(ErrorKind.CONFLICT, code, message, null);
        this.retryable = retryable;
    }

    @Override
    public boolean retryable() {
        return retryable;
    }
}
