/**
 * The one registry of weft's settings: every environment variable, system property and {@code serve} flag the code
 * reads, with its default, meaning and validation ({@link dev.weft.service.settings.Settings}). The service reads its
 * own settings through it; {@code weft serve --help} and {@code docs/CONFIGURATION.md} are generated from it.
 */
@NullMarked
package dev.weft.service.settings;

import org.jspecify.annotations.NullMarked;
