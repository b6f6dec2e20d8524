using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Roost.Controller.Tests;

/// <summary>
/// <c>roost serve</c> as a real process (the CLI's roost.dll beside the tests) on a free loopback port, with what it
/// prints kept for failure messages. Dispose kills it if it still runs.
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServeProcess(Process process, Uri address, string dataDirectory)
    {
        _process = process;
        Address = address;
        DataDirectory = dataDirectory;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public string DataDirectory { get; }

    public int Id => _process.Id;

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
    public static async Task<ServeProcess> StartAsync(string dataDirectory, params string[] arguments)
    {
        var port = Drivers.AgentFleetTests.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "roost.dll"), "serve", "--data", dataDirectory, "--listen", $"127.0.0.1:{port}" }.Concat(arguments))
        {
            start.ArgumentList.Add(arg);
        }

        var serve = new ServeProcess(Process.Start(start) ?? throw new InvalidOperationException("roost serve did not start"), new Uri($"http://127.0.0.1:{port}/"), dataDirectory);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (serve._process.HasExited)
            {
                await serve._process.WaitForExitAsync();
                Assert.Fail($"roost serve exited with {serve._process.ExitCode}: {serve.Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(serve.Address, "api/hosts"), deadline.Token);
                if (response.IsSuccessStatusCode)
                {
                    return serve;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (deadline.IsCancellationRequested)
            {
                serve.Dispose();
                Assert.Fail($"roost serve did not answer within 60 s: {serve.Log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
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
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
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
