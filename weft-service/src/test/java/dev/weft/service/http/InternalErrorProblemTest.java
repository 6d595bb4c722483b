package dev.weft.service.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import org.junit.jupiter.api.Test;

/**
 * A bug answers what docs/API.md promises for every 500: {@code internal_error}, never the failing layer's own code.
 * The bug here is one an operator can cause on a running service: {@code weft migrate rollback} dropped the webhook
 * tables under it, so its webhook queries fail with weft-db's {@code sql_error} (a missing table), which the answer
 * used to carry as its {@code code} and {@code type}.
 */
class InternalErrorProblemTest {
    @Test
    void aQueryOnATableRolledBackUnderTheServiceAnswersInternalErrorNotSqlError() {
        try (TestService service = new TestService(TestBackends.POSTGRESQL)) {
            assertThat(service.get("/webhooks", TestService.ADMIN_KEY).status()).isEqualTo(200);
            // as if a rollback dropped it under the running service (renamed: the schema is dropped after the test)
            service.service.context().database().execute("ALTER TABLE webhooks RENAME TO webhooks_gone");

            TestService.Response response = service.get("/webhooks", TestService.ADMIN_KEY);

            TestService.assertProblem(response, 500, "internal_error");
            assertThat(response.json().path("type").asText()).isEqualTo("https://weft.dev/problems/internal_error");
            assertThat(response.text()).doesNotContainIgnoringCase("sql");
        }
    }
}
