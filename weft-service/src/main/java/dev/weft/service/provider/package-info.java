/**
 * The video provider the job workers call (DESIGN §5): the {@link dev.weft.service.provider.VideoProvider}
 * contract, the in-process {@link dev.weft.service.provider.LocalProvider} (the embedded default), the
 * {@link dev.weft.service.provider.HttpProvider} over weft-http for {@code PROVIDER_URL}, the standalone
 * {@link dev.weft.service.provider.ProviderServer} with injected faults ({@code weft provider}), and the
 * API-client operations endpoints.
 */
@NullMarked
package dev.weft.service.provider;

import org.jspecify.annotations.NullMarked;
