/**
 * Operations endpoints: health (live, ready, full, database), Prometheus and JSON metrics, pool status,
 * performance, migrations, the admin cache, and the OpenAPI description with its {@code /docs} page.
 */
@NullMarked
package dev.weft.service.ops;

import org.jspecify.annotations.NullMarked;
