/**
 * weft-http: a resilient client for external HTTP APIs. This module is a placeholder until its
 * issue lands; it holds no API yet.
 */
@NullMarked
package dev.weft.http;

import org.jspecify.annotations.NullMarked;
