/**
 * The users and credits endpoints of API.md: CRUD, batch create, NDJSON stream, stats, the cached profile and
 * {@code /transfer}.
 */
@NullMarked
package dev.weft.service.users;

import org.jspecify.annotations.NullMarked;
