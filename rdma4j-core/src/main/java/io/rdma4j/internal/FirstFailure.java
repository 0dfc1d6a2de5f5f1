package io.rdma4j.internal;

/**
 * For clean-up steps that must all run even when one fails (revoking every grant of a region,
 * deregistering every chunk of the pool, closing a context's parts): keeps the first failure,
 * with the later ones suppressed into it, to throw once every step has run.
 */
final class FirstFailure {
    private RuntimeException first;

    /**
     * Runs one step, keeping what it throws.
     *
     * @return whether the step completed without throwing
     */
    boolean run(Runnable step) {
        try {
            step.run();
            return true;
        } catch (RuntimeException e) {
            add(e);
            return false;
        }
    }

    /** Keeps {@code e}: as the failure to throw if it is the first, else suppressed into that one. */
    private void add(RuntimeException e) {
        if (first == null) {
            first = e;
        } else if (first != e) {
            first.addSuppressed(e);
        }
    }

    /** Throws the first failure kept, if any. */
    void throwIfAny() {
        if (first != null) {
            throw first;
        }
    }
}
