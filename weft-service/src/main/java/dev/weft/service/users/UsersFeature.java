package dev.weft.service.users;

import dev.weft.service.Feature;
import dev.weft.service.Idempotency;
import dev.weft.service.RouteModule;
import dev.weft.service.ServiceContext;

/** The users feature: the {@link Users} service and its {@link UserEndpoints}. Stateless. */
public final class UsersFeature implements Feature {
    private UsersFeature() {
    }

    /** @return the feature */
    public static UsersFeature create() {
        return new UsersFeature();
    }

    @Override
    public RouteModule open(ServiceContext context) {
        Users users = new Users(context, new Idempotency(context.idempotency(), context.json()));
        return new UserEndpoints(users, context.config().maxBody());
    }
}
