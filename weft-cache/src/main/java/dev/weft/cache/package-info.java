/**
 * weft-cache: local, Redis and tiered caches behind one interface. This module is a placeholder until its
 * issue lands; it holds no API yet.
 */
@NullMarked
package dev.weft.cache;

import org.jspecify.annotations.NullMarked;
