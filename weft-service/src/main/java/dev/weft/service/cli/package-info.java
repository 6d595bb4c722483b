/**
 * The {@code weft} command line (picocli): {@code serve}, {@code migrate}, {@code health}, {@code users import}.
 * Exit codes: 0 success, 1 the operation failed or found a problem, 2 bad usage, 3 configuration or I/O error.
 */
@NullMarked
package dev.weft.service.cli;

import org.jspecify.annotations.NullMarked;
