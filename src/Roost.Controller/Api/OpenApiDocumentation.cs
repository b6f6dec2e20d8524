using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Roost.Controller.Api;

/// <summary>
/// What <c>/openapi/v1.json</c> says beyond the handlers' types: the bearer scheme and which operations need it
/// (every mutation; every read too when the controller listens beyond loopback), and the RFC 7807 problems each
/// operation can answer: its own (declared at the endpoint with <see cref="ProducesProblems"/>), 401 where a token is
/// needed, 413 and 415 where a body is read, 503 everywhere under <c>/api</c> (standby, store failure).
/// </summary>
public static class OpenApiDocumentation
{
    public const string SchemeName = "bearer";

    private const string ProblemJson = "application/problem+json";

    /// <summary>Declares problems (RFC 7807) an endpoint answers itself.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(statuses);
        foreach (var status in statuses)
        {
            builder.ProducesProblem(status);
        }

        return builder;
    }

    public static IServiceCollection AddRoostOpenApi(this IServiceCollection services, bool readsNeedToken) =>
        services.AddOpenApi(options => options
            .AddSchemaTransformer((schema, context, _) =>
            {
                ExactTypes(schema, context);
                return Task.CompletedTask;
            })
            .AddDocumentTransformer((document, _, _) =>
            {
                Describe(document, readsNeedToken);
                return Task.CompletedTask;
            }));

    /// <summary>
    /// A <c>double</c> is a JSON number (the generator offers <c>"NaN"</c> and the infinities too, because responses
    /// may write them rather than break; the API never sends them for a stored value and never accepts them). A
    /// request body's <c>required</c> list is what its validation requires, and only its optional fields may be null
    /// (every member is nullable so that a missing field is seen as missing, which the generator would otherwise list
    /// as required).
    /// </summary>
    private static void ExactTypes(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var type = context.JsonTypeInfo.Type;
        var requiredHere = context.JsonPropertyInfo is { } property && RequiredFields(property.DeclaringType) is { } fields
            && fields.Contains(property.Name, StringComparer.Ordinal);
        if (Nullable.GetUnderlyingType(type) is { } underlying && underlying == typeof(double) || type == typeof(double))
        {
            schema.AnyOf = null;
            schema.Enum = null;
            schema.Type = type == typeof(double) || requiredHere ? JsonSchemaType.Number : JsonSchemaType.Number | JsonSchemaType.Null;
            schema.Format = "double";
        }
        else if (requiredHere && schema.Type is { } t)
        {
            schema.Type = t & ~JsonSchemaType.Null;
        }

        if (context.JsonPropertyInfo is null && RequiredFields(type) is { } required)
        {
            schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
        }
    }

    private static IReadOnlyList<string>? RequiredFields(Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequestBody<>))
            ? type.GetProperty(nameof(CreateVmRequest.RequiredFields), BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IReadOnlyList<string>
            : null;

    private static void Describe(OpenApiDocument document, bool readsNeedToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The token in the controller's data directory, file 'token' (POST /api/token/rotate replaces it).",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        var hasProblemSchema = document.Components.Schemas.ContainsKey("ProblemDetails");
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? new Dictionary<HttpMethod, OpenApiOperation>())
            {
                var mutation = method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Options;
                var open = path is "/healthz" or "/openapi/v1.json";
                operation.Responses ??= [];
                if ((mutation || readsNeedToken) && !open)
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] });
                    AddProblem(operation, StatusCodes.Status401Unauthorized, "No bearer token, or a wrong one.", document, hasProblemSchema);
                }

                if (operation.RequestBody is not null)
                {
                    AddProblem(operation, StatusCodes.Status400BadRequest, "A field is missing or wrong: every such field is named in 'errors'.", document, hasProblemSchema);
                    AddProblem(operation, StatusCodes.Status413PayloadTooLarge, "The body is larger than the limit (64 KiB by default).", document, hasProblemSchema);
                    AddProblem(operation, StatusCodes.Status415UnsupportedMediaType, "The body is not application/json.", document, hasProblemSchema);
                }

                if (path.StartsWith("/api/", StringComparison.Ordinal))
                {
                    AddProblem(operation, StatusCodes.Status503ServiceUnavailable, "This controller is a standby, or its store failed.", document, hasProblemSchema);
                }
            }
        }
    }

    private static void AddProblem(OpenApiOperation operation, int status, string description, OpenApiDocument document, bool hasProblemSchema)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses is null || operation.Responses.ContainsKey(key))
        {
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new() { Schema = hasProblemSchema ? new OpenApiSchemaReference("ProblemDetails", document) : null },
            },
        };
    }
}
