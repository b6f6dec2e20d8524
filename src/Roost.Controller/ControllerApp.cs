using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Roost.Controller.Api;
using Roost.Controller.Control;
using Roost.Controller.Dashboard;
using Roost.Controller.Drivers;
using Roost.Controller.Security;
using Roost.Controller.Store;

namespace Roost.Controller;

/// <summary>
/// The composition root, the only place that wires services: store, driver, control loop, token, API and dashboard.
/// <see cref="StartAsync"/> returns once the store is migrated, the inventory loaded and Kestrel listening.
/// </summary>
public static class ControllerApp
{
    /// <summary>Throws <see cref="ArgumentException"/> with one line for a bad option.</summary>
    public static async Task<RunningController> StartAsync(ControllerOptions options, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IPEndPoint.TryParse(options.Listen, out var endpoint) || !options.Listen.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"--listen '{options.Listen}' is not ADDRESS:PORT (e.g. {ControllerOptions.DefaultListen})", nameof(options));
        }

        if (options.Fleet.Validate() is { } fleetProblem)
        {
            throw new ArgumentException($"simulated fleet: {fleetProblem}", nameof(options));
        }

        var certificate = LoadCertificate(options);
        Directory.CreateDirectory(options.DataDirectory);
        var clock = time ?? TimeProvider.System;
        var store = StoreFactory.Open(options.Database, options.DataDirectory);
        var tokens = await TokenStore.OpenAsync(options.DataDirectory, cancellationToken).ConfigureAwait(false);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", options.FrameworkLogLevel);
        builder.Logging.AddFilter("System", options.FrameworkLogLevel);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(endpoint, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.AddServerHeader = false;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton<IHostDriver>(sp => options.Agents is { } agents
            ? new AgentHostDriver(agents, clock)
            : new SimulatedHostDriver(options.Fleet, clock));
        builder.Services.AddSingleton(new LiveState());
        builder.Services.AddSingleton(options.Loop);
        builder.Services.AddSingleton<ControlLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ControlLoop>());
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<StoreFailureHandler>();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));

            // Bodies are read by RequestBody alone; for responses, a non-finite number that slipped past the store's
            // checks is written as "NaN" rather than breaking the body half-way.
            json.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseBearerTokenForMutations(tokens);
        app.MapOpenApi();
        app.MapHostEndpoints();
        app.MapVmEndpoints();
        app.MapPlanEndpoints();
        app.MapEventEndpoints();
        app.MapSettingsEndpoints();
        app.MapOverviewEndpoints();
        app.MapMetricsEndpoints();
        app.MapHealthEndpoints();
        app.MapDashboardEndpoints();

        var loop = app.Services.GetRequiredService<ControlLoop>();
        try
        {
            await loop.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? $"http://{options.Listen}";
        return new RunningController(app, new Uri(address), tokens, store, loop);
    }

    /// <summary>The PEM certificate and key for TLS, or null for plain HTTP; one line naming the file when unusable.</summary>
    private static X509Certificate2? LoadCertificate(ControllerOptions options)
    {
        switch (options.TlsCertificateFile, options.TlsKeyFile)
        {
            case (null, null):
                return null;
            case (null, _) or (_, null):
                throw new ArgumentException("--tls-cert and --tls-key go together", nameof(options));
            case ({ } cert, { } key):
                foreach (var file in new[] { cert, key })
                {
                    if (!File.Exists(file))
                    {
                        throw new ArgumentException($"{file}: no such file", nameof(options));
                    }
                }

                try
                {
                    using var pem = X509Certificate2.CreateFromPemFile(cert, key);

                    // Re-imported so the private key is usable by SslStream on every platform.
                    return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
                }
                catch (CryptographicException e)
                {
                    throw new ArgumentException($"{cert} / {key}: not a PEM certificate and matching key ({e.Message.TrimEnd('.')})", nameof(options));
                }
        }
    }
}
