package io.rdma4j;

/** The selected provider cannot run here: a native library, a device or an active port is missing. */
public class ProviderUnavailableException extends RdmaException {
    private final String provider;
    private final String hint;

    /**
     * @param provider the provider's name
     * @param reason why it cannot run
     * @param hint what to install or do; may be empty
     */
    public ProviderUnavailableException(String provider, String reason, String hint) {
        super("provider '" + provider + "' is unavailable: " + reason + (hint.isEmpty() ? "" : " (" + hint + ")"));
        this.provider = provider;
        this.hint = hint;
    }

    /** The provider's name. */
    public String provider() { return provider; }

    /** What to install or do, possibly empty. */
    public String hint() { return hint; }
}
