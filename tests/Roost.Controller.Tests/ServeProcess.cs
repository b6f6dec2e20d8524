using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Roost.Controller.Tests;

/// <summary>
/// <c>roost serve</c> as a real process (the CLI's roost.dll beside the tests) on a free loopback port, with what it
/// prints kept for failure messages. It never outlives its test: dispose kills it (and waits, bounded); a start that
/// times out or fails kills it before failing; and every process still running when the test host exits is killed
/// then (a test that forgot to dispose, or a crash of the test run).
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan _exitTimeout = TimeSpan.FromSeconds(20);
    private static readonly ConcurrentDictionary<int, Process> _running = new();

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    static ServeProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in _running.Values)
            {
                TryKill(process);
            }
        };
    }

    private ServeProcess(Process process, Uri address, string dataDirectory)
    {
        _process = process;
        Address = address;
        DataDirectory = dataDirectory;
        _running[process.Id] = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public string DataDirectory { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts <c>roost serve --data DIR --listen 127.0.0.1:PORT ARGS</c> and waits until its API answers.</summary>
    public static async Task<ServeProcess> StartAsync(string dataDirectory, params string[] arguments) =>
        await StartAsync(dataDirectory, standby: false, arguments);

    /// <summary>
    /// Starts <c>roost serve --data DIR --listen 127.0.0.1:PORT ARGS</c> and waits until its API answers or, with
    /// <paramref name="standby"/>, until its <c>/healthz</c> answers at all (a standby's answers 503).
    /// </summary>
    public static async Task<ServeProcess> StartAsync(string dataDirectory, bool standby, params string[] arguments)
    {
        var port = Drivers.AgentFleetTests.FreePort();
        var start = Start(["serve", "--data", dataDirectory, "--listen", $"127.0.0.1:{port}", .. arguments]);
        var serve = new ServeProcess(Process.Start(start) ?? throw new InvalidOperationException("roost serve did not start"), new Uri($"http://127.0.0.1:{port}/"), dataDirectory);
        try
        {
            await serve.WaitUntilAnsweringAsync(standby ? "healthz" : "api/hosts");
            return serve;
        }
        catch
        {
            serve.Dispose();
            throw;
        }
    }

    /// <summary>Starts <c>roost serve --data DIR --listen 127.0.0.1:PORT ARGS</c> and returns at once, for a test that kills it early.</summary>
    public static Task<ServeProcess> StartWithoutWaitingAsync(string dataDirectory, params string[] arguments)
    {
        var port = Drivers.AgentFleetTests.FreePort();
        var start = Start(["serve", "--data", dataDirectory, "--listen", $"127.0.0.1:{port}", .. arguments]);
        return Task.FromResult(new ServeProcess(Process.Start(start) ?? throw new InvalidOperationException("roost serve did not start"), new Uri($"http://127.0.0.1:{port}/"), dataDirectory));
    }

    /// <summary>Runs <c>roost ARGS</c> to its end (killed after <paramref name="timeout"/>): exit code, stdout, stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(TimeSpan timeout, params string[] arguments)
    {
        using var process = Process.Start(Start(arguments)) ?? throw new InvalidOperationException("roost did not start");
        _running[process.Id] = process;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                TryKill(process);
                Assert.Fail($"roost {string.Join(' ', arguments)} did not exit within {timeout.TotalSeconds:0} s: {await stdout}{await stderr}");
            }

            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            TryKill(process);
            _running.TryRemove(process.Id, out _);
        }
    }

    /// <summary>A client sending the bearer token the process wrote into its data directory.</summary>
    public HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(DataDirectory, "token")).Trim());
        return client;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a power cut or the OOM killer.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        using var deadline = new CancellationTokenSource(_exitTimeout);
        await _process.WaitForExitAsync(deadline.Token);
    }

    public void Dispose()
    {
        TryKill(_process);
        _running.TryRemove(_process.Id, out _);
        _process.Dispose();
    }

    private async Task WaitUntilAnsweringAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = new CancellationTokenSource(_startTimeout);
        while (true)
        {
            if (_process.HasExited)
            {
                using var drained = new CancellationTokenSource(_exitTimeout);
                await _process.WaitForExitAsync(drained.Token);
                Assert.Fail($"roost serve exited with {_process.ExitCode}: {Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Address, path), deadline.Token);
                if (response.IsSuccessStatusCode || path == "healthz")
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !deadline.IsCancellationRequested))
            {
                // Not listening yet, or too slow to answer this time.
            }
            catch (TaskCanceledException)
            {
                // The deadline: reported below.
            }

            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"roost serve did not answer /{path} within {_startTimeout.TotalSeconds:0} s: {Log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private static ProcessStartInfo Start(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "roost.dll") }.Concat(arguments))
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>Kills the process (and its children) if it still runs, and waits for it, bounded.</summary>
    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(_exitTimeout);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or never started.
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
