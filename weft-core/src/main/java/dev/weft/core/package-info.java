/**
 * weft-core: what every weft module shares.
 *
 * <ul>
 *   <li>The error model: {@link dev.weft.core.WeftException}, the root of every exception weft throws, with an
 *       {@link dev.weft.core.ErrorKind} that fixes its HTTP status, and the shared subtypes
 *       {@link dev.weft.core.InvalidInputException}, {@link dev.weft.core.NotFoundException} and
 *       {@link dev.weft.core.InvalidConfigException}.</li>
 *   <li>Config validation helpers ({@link dev.weft.core.Checks}) and {@link dev.weft.core.Secret}, a value that
 *       never prints itself.</li>
 *   <li>Virtual-thread executors ({@link dev.weft.core.VirtualThreads}).</li>
 * </ul>
 */
@NullMarked
package dev.weft.core;

import org.jspecify.annotations.NullMarked;
