/**
 * Users and credits: {@link dev.weft.service.users.UserEndpoints} (HTTP: CRUD, batch create, NDJSON stream, stats,
 * the cached profile and {@code /transfer}) parse and answer; {@link dev.weft.service.users.Users} owns the use
 * cases; {@link dev.weft.service.users.UsersFeature} plugs them into the service.
 */
@NullMarked
package dev.weft.service.users;

import org.jspecify.annotations.NullMarked;
