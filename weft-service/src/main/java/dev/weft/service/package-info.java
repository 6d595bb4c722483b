/** weft-service: the {@code weft} command; for now the weft-db example, later the video-job HTTP service. */
@NullMarked
package dev.weft.service;

import org.jspecify.annotations.NullMarked;
