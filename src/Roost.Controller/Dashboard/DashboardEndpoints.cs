using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Roost.Controller.Dashboard;

/// <summary>The dashboard: static HTML and JavaScript embedded in this assembly (no build step), polling <c>/api/overview</c>.</summary>
public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => File("index.html", "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapGet("/dashboard.js", () => File("dashboard.js", "text/javascript; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    private static IResult File(string name, string contentType)
    {
        var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("dashboard/" + name);
        return stream is null ? TypedResults.NotFound() : TypedResults.Stream(stream, contentType);
    }
}
