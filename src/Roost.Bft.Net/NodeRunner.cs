using System.Buffers.Binary;
using System.Diagnostics;
using Roost.Bft.Agreement;
using Roost.Bft.Execution;
using Roost.Bft.Messages;

namespace Roost.Bft.Net;

/// <summary>
/// One replica as an OS process (<c>roost bft node</c>): builds the agreement or execution replica from the
/// deployment and the node's keys, runs it under a <see cref="NodeHost"/>, and reports on standard output, one line
/// each, what its supervisor needs: <c>ready NODE</c> once listening, <c>state NODE awake|asleep GEN</c> for an
/// executor at start and on every change (the agent freezes an asleep one), <c>bad-reply NODE TIMESTAMP</c> the first
/// time a replica told to lie sends a wrong reply (<see cref="Stopwatch"/> ticks: CLOCK_MONOTONIC, comparable
/// between processes on one machine), <c>wake-requested NODE TIMESTAMP REASON</c> when its controller wakes the sleepers, <c>view NODE V</c> when an
/// agreement replica installs a new view, and for an executor after each wake <c>woken-reply NODE TIMESTAMP</c> at its
/// first reply and <c>woken-state NODE TIMESTAMP OBJECTS BYTES</c> when its first state transfer completes (a woken
/// replica serves requests before it has the whole state); and for every state transfer of an executor
/// <c>sync NODE TIMESTAMP started SEQUENCE REASON</c> and <c>sync NODE TIMESTAMP completed SEQUENCE OBJECTS BYTES</c>.
/// </summary>
public static class NodeRunner
{
    /// <summary>
    /// Runs until cancelled. <paramref name="lie"/>: once it completes, an executor lies in every reply (fault
    /// experiments). <paramref name="emptyImage"/>: an executor starts without the service's data (a new VM), so once
    /// woken it must fetch all of it.
    /// </summary>
    public static async Task RunAsync(DeploymentConfig config, NodeKeys keys, TextWriter output, TextWriter errors, Task? lie, CancellationToken cancellationToken, bool emptyImage = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(output);
        var self = keys.Self;
        var time = TimeProvider.System;
        var lying = false;

        // After a wake: the first reply sent, and the end of the first state transfer, each said once.
        (bool Reply, bool State) woken = (false, false);
        var said = new Lock();
        void Say(string line)
        {
            lock (said)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        IProtocolNode node;
        ExecutionReplica? executor = null;
        switch (self.Role)
        {
            case NodeRole.Agreement:
                node = new AgreementReplica(self.Index, config.Options, keys.Keyring, keys.Signatures ?? throw new ConfigException($"{self}: no signing keys"));
                break;
            case NodeRole.Execution:
                var service = config.Service.Create();
                executor = new ExecutionReplica(self.Index, config.Options, service, emptyImage ? StateGenesis.EmptyFor(service, config.Options) : StateGenesis.For(service, config.Options));
                node = executor;
                break;
            default:
                throw new ConfigException($"{self}: 'roost bft node' runs replicas; clients run in 'roost bft cluster'");
        }

        IReadOnlyList<Output> Lie(IReadOnlyList<Output> outputs)
        {
            if (lie is not { IsCompleted: true })
            {
                return outputs;
            }

            var rewritten = new List<Output>(outputs.Count);
            foreach (var o in outputs)
            {
                switch (o)
                {
                    case Output.Send { Message: Reply reply } send:
                        if (!lying)
                        {
                            lying = true;
                            Say($"bad-reply {self} {Stopwatch.GetTimestamp()}");
                        }

                        var wrong = reply.Result.ToArray();
                        wrong[0] ^= 0xFF;
                        rewritten.Add(send with { Message = reply with { Result = wrong } });
                        break;
                    case Output.Send { Message: ExecReport report } send:
                        rewritten.Add(send with { Message = report with { Replies = WrongDigest(report.Sequence) } });
                        break;
                    default:
                        rewritten.Add(o);
                        break;
                }
            }

            return rewritten;
        }

        var host = new NodeHost(node, config, keys.Keyring, time, errors)
        {
            Rewrite = self.Role == NodeRole.Execution && lie is not null ? Lie : null,
            Observe = e =>
            {
                switch (e)
                {
                    case ProtocolEvent.ExecutorStateChanged { Kind: var kind, Generation: var generation } when executor is not null:
                        Say($"state {self} {(kind == ControlKind.Wake ? "awake" : "asleep")} {generation}");
                        woken = kind == ControlKind.Wake ? (true, true) : (false, false);
                        break;
                    case ProtocolEvent.ReplySent when woken.Reply:
                        woken.Reply = false;
                        Say($"woken-reply {self} {Stopwatch.GetTimestamp()}");
                        break;
                    case ProtocolEvent.SyncCompleted { Sequence: var sequence, ObjectsFetched: var objects, BytesFetched: var bytes }:
                        Say($"sync {self} {Stopwatch.GetTimestamp()} completed {sequence} {objects} {bytes}");
                        if (woken.State)
                        {
                            woken.State = false;
                            Say($"woken-state {self} {Stopwatch.GetTimestamp()} {objects} {bytes}");
                        }

                        break;
                    case ProtocolEvent.SyncStarted { Sequence: var sequence, Reason: var reason }:
                        Say($"sync {self} {Stopwatch.GetTimestamp()} started {sequence} {reason}");
                        break;
                    case ProtocolEvent.ViewInstalled { View: var view }:
                        Say($"view {self} {view}");
                        break;
                    case ProtocolEvent.WakeRequested { Reason: var reason }:
                        Say($"wake-requested {self} {Stopwatch.GetTimestamp()} {reason}");
                        break;
                    default:
                        break;
                }
            },
        };
        var run = host.RunAsync(cancellationToken);
        await Task.WhenAny(host.Listening, run).ConfigureAwait(false);
        if (run.IsCompleted)
        {
            await run.ConfigureAwait(false);
            return;
        }

        Say($"ready {self}");
        if (executor is not null)
        {
            Say($"state {self} {(executor.IsAwake ? "awake" : "asleep")} {executor.Generation}");
        }

        await run.ConfigureAwait(false);
    }

    /// <summary>The reply digest a lying executor reports for <paramref name="sequence"/>: never a correct one.</summary>
    internal static Digest WrongDigest(long sequence)
    {
        Span<byte> text = stackalloc byte[13];
        "wrong"u8.CopyTo(text);
        BinaryPrimitives.WriteInt64LittleEndian(text[5..], sequence);
        return Digest.Of(text);
    }
}
