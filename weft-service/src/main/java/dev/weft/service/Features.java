package dev.weft.service;

import dev.weft.service.ops.CacheModule;
import dev.weft.service.ops.DashboardModule;
import dev.weft.service.ops.DocsModule;
import dev.weft.service.ops.HealthModule;
import dev.weft.service.ops.InfoModule;
import dev.weft.service.ops.MetricsModule;
import dev.weft.service.ops.StaticAssets;
import dev.weft.service.users.UsersFeature;
import dev.weft.service.videos.VideoJobs;
import dev.weft.service.webhooks.WebhooksFeature;
import java.util.List;

/**
 * The features {@code weft serve} runs, in route registration order: operations (health, metrics, info, the admin
 * cache), users, videos with their jobs, usage and provider operations, webhooks, the dashboard, and the docs last
 * (they describe the rest).
 */
public final class Features {
    private Features() {
    }

    /** @return the operations endpoints: health, metrics, info and the admin cache */
    public static Feature operations() {
        return Feature.of(context -> routes -> {
            new HealthModule(context).routes(routes);
            new MetricsModule(context).routes(routes);
            new InfoModule(context).routes(routes);
            new CacheModule(context).routes(routes);
        });
    }

    /** @return {@code /docs}, {@code /openapi.json} and the pages' files under {@code /assets} */
    public static Feature docs() {
        return Feature.of(context -> {
            DocsModule docs = new DocsModule(context);
            StaticAssets assets = StaticAssets.create();
            return routes -> {
                docs.routes(routes);
                assets.routes(routes);
            };
        });
    }

    /** @return the live operations dashboard at {@code /} and its data at {@code /admin/dashboard} */
    public static Feature dashboard() {
        return Feature.of(DashboardModule::open);
    }

    /** @return every feature, videos configured from the service config and the environment */
    public static List<Feature> standard() {
        return standard(VideoJobs.feature());
    }

    /**
     * @param videos the video feature (tests pass one with their own provider and job settings)
     * @return every feature
     */
    public static List<Feature> standard(Feature videos) {
        return List.of(operations(), UsersFeature.create(), videos, WebhooksFeature.create(), dashboard(), docs());
    }
}
