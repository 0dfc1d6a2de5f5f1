package io.rdma4j.testkit;

import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/**
 * The contracts whose one side runs the provider under test behind {@link FaultProvider}: that
 * side's context, and the wrapper's faults released (held calls let through, stranded endpoints
 * freed) after every test, so a failed test leaves nothing armed for the next.
 */
public abstract class FaultContractSupport extends ContractSupport {
    /** For a contract's subclass. */
    protected FaultContractSupport() {}

    @AfterEach
    void releaseFaults() {
        FaultProvider.release();
    }

    /**
     * Opens a context on the provider under test behind the fault wrapper, not tracked: the
     * test closes it (or {@link #track}s it) itself.
     *
     * @param testSettings what the test changes besides the provider
     * @return the context
     */
    protected RdmaContext openBehindFaults(Consumer<RdmaOptions.Builder> testSettings) {
        return Rdma.open(options(b -> {
            b.provider(FaultProvider.NAME).properties(Map.of("inner", provider()));
            testSettings.accept(b);
        }));
    }
}
