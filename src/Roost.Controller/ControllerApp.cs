using System.Data.Common;
using System.Net;
using System.Net.Sockets;
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
using Roost.Hypervisor.Logging;

namespace Roost.Controller;

/// <summary>
/// The composition root, the only place that wires services: store, writer lock, driver, control loop, token, API and
/// dashboard. <see cref="StartAsync"/> returns once Kestrel listens: either as the store's one writer, with the store
/// migrated and the inventory loaded, or as a hot standby when another controller holds the store's writer lock (it
/// then takes over by itself when that lock is released, e.g. because its holder died).
/// </summary>
public static partial class ControllerApp
{
    /// <summary>How often a standby tries the writer lock; a takeover starts at most this long after the lock is free.</summary>
    private static readonly TimeSpan _standbyPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> with one line for a bad option, <see cref="StartupException"/> with one
    /// line for anything else that stops it starting (data directory, store, address), and what the driver throws
    /// when its hosts cannot be reached (<see cref="IOException"/>, one line).
    /// </summary>
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

        if (Recovery.DrSiteEndpoint.Validate(options.DrSites) is { } drProblem)
        {
            throw new ArgumentException(drProblem, nameof(options));
        }

        var certificate = LoadCertificate(options);
        try
        {
            OwnerOnly.PrepareDirectory(options.DataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"--data {options.DataDirectory}: {StoreFailureHandler.OneLine(e)}", e);
        }

        var clock = time ?? TimeProvider.System;
        var store = StoreFactory.Open(options.Database, options.DataDirectory);
        var role = new ControllerRole(store.Description);
        var writer = await TryLockAsync(store, cancellationToken).ConfigureAwait(false);
        var app = Build(options, endpoint, certificate, clock, store, role);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Roost.Controller");
        var loop = app.Services.GetRequiredService<ControlLoop>();
        try
        {
            if (writer is not null)
            {
                await ActivateAsync(options, store, writer, role, loop, log, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new StartupException($"--listen {options.Listen}: {StoreFailureHandler.OneLine(e)}", e);
            }
        }
        catch
        {
            // No standby task runs yet: the role holds no lock but this one, and a token only if Kestrel failed.
            await app.DisposeAsync().ConfigureAwait(false);
            role.Tokens?.Dispose();
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }

            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? $"http://{options.Listen}";
        Task standby = Task.CompletedTask;
        if (writer is null)
        {
            LogStandby(log, store.Description);
            var lifetime = app.Lifetime;
            standby = Task.Run(() => StandbyAsync(options, store, role, loop, log, () => lifetime.StopApplication(), clock, lifetime.ApplicationStopping), CancellationToken.None);
        }

        return new RunningController(app, new Uri(address), role, store, loop, standby, app.Services.GetRequiredService<Recovery.DrSiteMonitor>());
    }

    /// <summary>The writer lock, or null when another controller holds it; one line when the store cannot be reached.</summary>
    private static async Task<IStoreWriterLock?> TryLockAsync(IControllerStore store, CancellationToken cancellationToken)
    {
        try
        {
            return await store.TryLockAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStoreFailure(e) || e is UnauthorizedAccessException)
        {
            // A database server that does not answer is unreachable; a database file that cannot be made cannot be opened.
            await store.DisposeAsync().ConfigureAwait(false);
            var what = e is IOException or UnauthorizedAccessException ? "cannot be opened" : "unreachable";
            throw new StartupException($"store {store.Description}: {what}: {StoreFailureHandler.OneLine(e)}", e);
        }
    }

    /// <summary>
    /// As the store's writer: fix the modes of its files, read or create the token, migrate and load the inventory
    /// (first start: one transaction), then serve.
    /// </summary>
    private static async Task ActivateAsync(
        ControllerOptions options, IControllerStore store, IStoreWriterLock writer, ControllerRole role, ControlLoop loop, ILogger log, CancellationToken cancellationToken)
    {
        role.Starting(writer);
        TokenStore tokens;
        try
        {
            foreach (var file in store.Files.Append(Path.Combine(options.DataDirectory, TokenStore.FileName)))
            {
                if (OwnerOnly.Tighten(file) is { } note)
                {
                    LogTightened(log, note);
                }
            }

            tokens = await TokenStore.OpenAsync(options.DataDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"--data {options.DataDirectory}: {StoreFailureHandler.OneLine(e)}", e);
        }

        try
        {
            await loop.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or SocketException or TimeoutException or InvalidDataException)
        {
            // Hosts that cannot be reached come as IOException naming the agent, and pass as they are.
            tokens.Dispose();
            throw new StartupException($"store {store.Description}: {StoreFailureHandler.OneLine(e)}", e);
        }
        catch
        {
            tokens.Dispose();
            throw;
        }

        role.Activate(writer, tokens);
    }

    /// <summary>
    /// A standby: tries the writer lock every <see cref="_standbyPoll"/> until it gets it or the process stops, then
    /// takes over. A takeover that fails (store or hosts unreachable) is retried while the lock is held, every 2 s.
    /// </summary>
    private static async Task StandbyAsync(
        ControllerOptions options, IControllerStore store, ControllerRole role, ControlLoop loop, ILogger log, Action stop, TimeProvider time, CancellationToken stopping)
    {
        IStoreWriterLock? writer = null;
        string? lastProblem = null;
        while (writer is null)
        {
            try
            {
                await Task.Delay(_standbyPoll, time, stopping).ConfigureAwait(false);
                writer = await store.TryLockAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsStoreFailure(e))
            {
                var problem = StoreFailureHandler.OneLine(e);
                if (problem != lastProblem)
                {
                    LogStandbyProblem(log, store.Description, problem);
                    lastProblem = problem;
                }
            }
        }

        LogTakingOver(log, writer.Description);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await ActivateAsync(options, store, writer, role, loop, log, stopping).ConfigureAwait(false);
                LogActive(log, store.Description);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StartupException or IOException)
            {
                var problem = e.Message;
                role.Starting(writer, problem);
                LogTakeoverFailed(log, problem);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
#pragma warning disable CA1031 // Anything else is a bug: say it in one line and stop, as an active controller that loses its lock does.
            catch (Exception e)
#pragma warning restore CA1031
            {
                role.Stop($"taking over failed: {StoreFailureHandler.OneLine(e)}");
                LogTakeoverFailed(log, StoreFailureHandler.OneLine(e));
                stop();
                return;
            }
        }
    }

    private static bool IsStoreFailure(Exception e) => e is DbException or SocketException or TimeoutException or IOException or InvalidDataException;

    private static WebApplication Build(ControllerOptions options, IPEndPoint endpoint, X509Certificate2? certificate, TimeProvider clock, IControllerStore store, ControllerRole role)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.AddOneLineConsole(options.LogFormat);
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
        builder.Services.AddSingleton(role);
        builder.Services.AddSingleton<IHostDriver>(sp => options.Agents is { } agents
            ? new AgentHostDriver(agents, clock)
            : new SimulatedHostDriver(options.Fleet, clock));
        builder.Services.AddSingleton(new LiveState());
        builder.Services.AddSingleton(options.Loop);
        builder.Services.AddSingleton<ControlLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ControlLoop>());
        builder.Services.AddSingleton<Recovery.DrSiteMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Recovery.DrSiteMonitor>());
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<StoreFailureHandler>();
        builder.Services.AddRoostOpenApi(readsNeedToken: !IPAddress.IsLoopback(endpoint.Address));
        builder.Services.AddSingleton<ApiWriteGate>();
        builder.Services.AddSingleton<NetworkFollowers>();
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
        app.UseBodyLimit(options.MaxRequestBodyBytes);
        app.UseStandbyGate(role);
        app.UseBearerToken(role, readsNeedToken: !IPAddress.IsLoopback(endpoint.Address), siteTokens: options.Agents?.AllTokens ?? []);
        app.MapOpenApi();
        app.MapHostEndpoints();
        app.MapVmEndpoints();
        app.MapVpcEndpoints();
        app.MapDrEndpoints();
        app.MapPlanEndpoints();
        app.MapEventEndpoints();
        app.MapSettingsEndpoints();
        app.MapOverviewEndpoints();
        app.MapMetricsEndpoints();
        app.MapHealthEndpoints();
        app.MapDashboardEndpoints();
        return app;
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
                catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    throw new ArgumentException($"{cert} / {key}: not a PEM certificate and matching key ({StoreFailureHandler.OneLine(e)})", nameof(options));
                }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "standby: {Store} has another writer; waiting to take over")]
    private static partial void LogStandby(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "standby: {Store}: {Problem}")]
    private static partial void LogStandbyProblem(ILogger logger, string store, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "taking over: {Lock} acquired")]
    private static partial void LogTakingOver(ILogger logger, string @lock);

    [LoggerMessage(Level = LogLevel.Warning, Message = "active: the writer of {Store}")]
    private static partial void LogActive(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Error, Message = "taking over failed: {Problem}")]
    private static partial void LogTakeoverFailed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Note}")]
    private static partial void LogTightened(ILogger logger, string note);
}
