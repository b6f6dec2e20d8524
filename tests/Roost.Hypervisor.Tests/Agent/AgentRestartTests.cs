using System.Diagnostics;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>An agent process killed outright (SIGKILL) and started again takes its running VMs back.</summary>
[Collection(QemuTests.Name)]
public sealed class AgentRestartTests(QemuFixture fixture)
{
    /// <summary>Also with mergeable memory: the restarted agent finds the adopted QEMU's RAM again and reads it.</summary>
    [QemuTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AgentKilledAndRestarted_TakesOverItsRunningVm_GuestDoesNotReboot(bool mergeableMemory)
    {
        var roost = FindCli();
        var name = $"t{Environment.ProcessId}-restart{(mergeableMemory ? "-m" : "")}";
        var tokenFile = Path.Combine(Path.GetTempPath(), $"{name}.token");
        await File.WriteAllTextAsync(tokenFile, QemuFixture.Token);
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        string[] args = [roost, "agent", "--name", name, "--listen", $"127.0.0.1:{port}", "--capacity", "cpus=2,memory=512",
            "--token-file", tokenFile, "--accel", fixture.Accelerator.ToString().ToLowerInvariant(), "--mergeable-memory", mergeableMemory ? "on" : "off"];
        using var client = new AgentClient(baseAddress);
        var first = await StartAgentProcessAsync(args, client);
        VmInfo vm;
        GuestReport before;
        try
        {
            vm = await AgentTestSteps.BootAsync(client, "vm-1");
            before = await AgentTestSteps.WaitForSeqAsync(client, "vm-1", 2);
        }
        finally
        {
            first.Kill();
            await first.WaitForExitAsync();
            first.Dispose();
        }

        Assert.True(Directory.Exists($"/proc/{vm.Pid}"), "QEMU died with its agent");
        using var second = await StartAgentProcessAsync(args, client);
        try
        {
            var adopted = await client.GetJsonAsync<VmInfo>("api/vms/vm-1");
            var after = await AgentTestSteps.WaitForSeqAsync(client, "vm-1", before.Seq + 1);

            Assert.Equal((VmState.Running, vm.Pid), (adopted.State, adopted.Pid));
            Assert.True(after.Seq > before.Seq, $"guest counter went from {before.Seq} to {after.Seq}: the guest rebooted");
            using (var memory = await client.GetAsync("api/vms/vm-1/memory?offset=1048576&length=65536"))
            {
                Assert.True(memory.IsSuccessStatusCode, await memory.Content.ReadAsStringAsync());
                Assert.Equal(65536, (await memory.Content.ReadAsByteArrayAsync()).Length);
            }

            using var destroyed = await client.DeleteAsync("api/vms/vm-1");
            Assert.True(destroyed.IsSuccessStatusCode, await destroyed.Content.ReadAsStringAsync());
            await AgentTestSteps.EventuallyAsync(() => Task.FromResult(!Directory.Exists($"/proc/{vm.Pid}")), "the adopted QEMU is destroyed");
            Assert.False(File.Exists(vm.MemoryPath), $"{vm.MemoryPath} left behind");
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync();
            File.Delete(tokenFile);
            var run = Path.Combine(Path.GetTempPath(), "roost", name);
            if (Directory.Exists(run))
            {
                Directory.Delete(run, recursive: true);
            }
        }
    }

    private static async Task<Process> StartAgentProcessAsync(string[] args, AgentClient client)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await AgentTestSteps.EventuallyAsync(
            async () =>
            {
                Assert.False(process.HasExited, $"roost agent exited with code {(process.HasExited ? process.ExitCode : 0)}");
                try
                {
                    using var response = await client.GetAsync("api/agent");
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the agent process answers");
        return process;
    }

    /// <summary>The CLI built beside this test (dotnet test Roost.slnx builds it); the test needs the real process.</summary>
    private static string FindCli()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Roost.slnx")))
        {
            dir = dir.Parent;
        }

        var cli = dir is null ? null : Path.Combine(dir.FullName, "artifacts", "bin", "Roost.Cli", "release", "roost.dll");
        Assert.True(cli is not null && File.Exists(cli), $"roost.dll not found at {cli}: build the solution (dotnet build Roost.slnx -c Release) first");
        return cli;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
