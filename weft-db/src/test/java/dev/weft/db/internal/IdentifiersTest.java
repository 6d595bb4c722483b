package dev.weft.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.weft.core.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {
    private static final String SIXTY_THREE = "a" + "b".repeat(61) + "9";
    private static final String SIXTY_FOUR = SIXTY_THREE + "x";

    @ParameterizedTest
    @ValueSource(strings = {"users", "a", "_", "_tmp", "User_Profiles2", "created_at", "T1", "ORDER_ITEMS"})
    void acceptsAsciiLettersDigitsAndUnderscores(String name) {
        assertThat(Identifiers.check("table", name)).isEqualTo(name);
    }

    @Test
    void acceptsA63CharacterName() {
        assertThat(SIXTY_THREE).hasSize(63);

        assertThat(Identifiers.check("column", SIXTY_THREE)).isEqualTo(SIXTY_THREE);
    }

    @Test
    void refusesA64CharacterName() {
        assertThat(SIXTY_FOUR).hasSize(64);

        InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                () -> Identifiers.check("column", SIXTY_FOUR));

        assertThat(error).isNotNull();
        assertThat(error.code()).isEqualTo("invalid_identifier");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "users; drop table x",
        "users;",
        "users--",
        "users/*",
        "us\"ers",
        "\"users\"",
        "us'ers",
        "us`ers",
        "`users`",
        "user name",
        " users",
        "users ",
        "users\n",
        "users\t",
        "users\u0000",
        "us\u0430rs",      // Cyrillic small a
        "\u0410DMIN",      // Cyrillic capital A
        "caf\u00e9",
        "users\u200b",     // zero-width space
        "\uff55sers",      // fullwidth u
        "",
        "1users",
        "9",
        "public.users",
        "users(id)",
        "a-b",
        "a$b",
        "a:b",
        "a?b"
    })
    void refusesAnythingElse(String name) {
        InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                () -> Identifiers.check("table", name));

        assertThat(error).as("check(%s)", Identifiers.printable(name)).isNotNull();
        assertThat(error.code()).isEqualTo("invalid_identifier");
        assertThat(error.field()).isEqualTo("table");
    }

    @Test
    void refusesNull() {
        InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                () -> Identifiers.check("column", null));

        assertThat(error).isNotNull();
        assertThat(error.getMessage()).contains("null");
    }

    @Test
    void namesTheRoleAndShowsTheRejectedName() {
        InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                () -> Identifiers.check("returning column", "users; drop table x"));

        assertThat(error.field()).isEqualTo("returning column");
        assertThat(error.getMessage()).contains("invalid returning column name 'users; drop table x'")
                .contains(Identifiers.PATTERN.pattern());
    }

    @Test
    void escapesALookAlikeCharacterInTheMessage() {
        InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                () -> Identifiers.check("table", "us\u0430rs"));

        assertThat(error.getMessage()).contains("'us\\u0430rs'");
    }

    @Test
    void escapesControlCharactersInTheMessage() {
        InvalidInputException error = catchThrowableOfType(InvalidInputException.class,
                () -> Identifiers.check("table", "users\nDROP"));

        assertThat(error.getMessage()).contains("'users\\u000aDROP'").doesNotContain("\n");
    }

    @Test
    void shortensALongRejectedNameInTheMessage() {
        String longName = "x".repeat(500) + ";";

        String shown = Identifiers.printable(longName);

        assertThat(shown).isEqualTo("'" + "x".repeat(40) + "...(501 chars)'");
    }
}
