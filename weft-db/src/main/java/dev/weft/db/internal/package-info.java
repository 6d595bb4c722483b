/** weft-db's implementation: dialects, SQL parsing, binding, mapping, pool gate, metrics. Not API. */
@NullMarked
package dev.weft.db.internal;

import org.jspecify.annotations.NullMarked;
