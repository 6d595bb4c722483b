/** The model-usage endpoints of API.md: {@code /usage}, {@code /usage/stats}, {@code /usage/daily}. */
@NullMarked
package dev.weft.service.usage;

import org.jspecify.annotations.NullMarked;
