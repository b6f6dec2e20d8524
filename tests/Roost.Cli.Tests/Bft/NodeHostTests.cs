using Roost.Bft;
using Roost.Bft.Execution;
using Roost.Bft.Net;

namespace Roost.Cli.Tests.Bft;

/// <summary>A replica process's loop (<see cref="NodeHost"/>) and the lying executor of <c>roost bft cluster --wrong-replies</c>.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeHostTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-nodehost-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task StepThatThrows_EndsTheNode_WithItsException()
    {
        var ports = Commands.BftClusterTests.FreePorts(4 + 3 + 1);
        var config = DeploymentConfig.Parse(string.Join('\n',
            "f 1",
            "mode zz",
            "service hash-chain objects=8 object-bytes=64",
            $"agreement a0 127.0.0.1:{ports[0]}",
            $"agreement a1 127.0.0.1:{ports[1]}",
            $"agreement a2 127.0.0.1:{ports[2]}",
            $"agreement a3 127.0.0.1:{ports[3]}",
            $"execution e0 127.0.0.1:{ports[4]}",
            $"execution e1 127.0.0.1:{ports[5]}",
            $"execution e2 127.0.0.1:{ports[6]}",
            $"client c0 127.0.0.1:{ports[7]}"), "test.conf");
        NodeKeys.Generate(config, _folder);
        var self = NodeId.Execution(0);
        var keys = NodeKeys.Parse(File.ReadAllText(Path.Combine(_folder, NodeKeys.FileName(self))), "e0.keys", config, self);
        var service = config.Service.Create();
        var replica = new ExecutionReplica(0, config.Options, service, StateGenesis.For(service, config.Options));
        using var errors = new StringWriter();
        var steps = 0;
        var host = new NodeHost(replica, config, keys.Keyring, TimeProvider.System, errors)
        {
            // The start step goes out (it opens links to the agreement replicas, which run until the node stops); a later one fails.
            Rewrite = outputs => ++steps == 1 ? outputs : throw new InvalidOperationException("the rewrite failed"),
        };

        // Bounded only so that a regression (the loop ends, the node hangs on its connections) fails instead of hanging the suite.
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => host.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Equal("the rewrite failed", failure.Message);
    }

    [Fact]
    public void WrongDigest_AnySequence_DiffersPerSequence()
    {
        // A lying executor's report digest; sequences past 255 once overflowed a checked byte cast and killed the liar's loop.
        var digests = new[] { 44L, 300L, 556L, long.MaxValue }.Select(NodeRunner.WrongDigest).ToList();

        Assert.Equal(digests.Count, digests.Distinct().Count());
        Assert.DoesNotContain(Digest.None, digests);
    }
}
