using System.Text;
using Roost.Bft.Services;

namespace Roost.Bft.Simulation;

/// <summary>Closed-loop clients: each issues its operations one after another and records its history.</summary>
public sealed partial class Simulator
{
    private readonly List<List<byte[]>> _workloads = [];
    private readonly List<List<ClientOperation>> _histories = [];
    private int _completedClients;

    /// <summary>Every client operation issued so far, in issue order per client.</summary>
    public IReadOnlyList<ClientOperation> History => [.. _histories.SelectMany(h => h)];

    private static List<byte[]> GenerateWorkload(SimRandom random, SimulationScenario scenario)
    {
        var operations = new List<byte[]>();
        for (var i = 0; i < scenario.OperationsPerClient; i++)
        {
            var key = Encoding.ASCII.GetBytes($"k{random.Next(scenario.Keys)}");
            var value = Encoding.ASCII.GetBytes($"v{random.Next(1000)}");
            operations.Add(random.Next(3) switch
            {
                0 => KeyValueOperation.EncodeGet(key),
                1 => KeyValueOperation.EncodePut(key, value),
                _ => KeyValueOperation.EncodeAppend(key, value),
            });
        }

        return operations;
    }

    private void Submit(int node)
    {
        var client = node - _clientBase;
        var history = _histories[client];
        if (history.Count >= _workloads[client].Count || _nodes[node].Node is not Clients.Client c || !c.IsIdle)
        {
            return;
        }

        var operation = _workloads[client][history.Count];
        history.Add(new ClientOperation(client, history.Count + 1, operation, _now));
        Deliver(node, new Input.Submit(operation));
    }

    private void OnDelivered(int node, ProtocolEvent.Delivered delivered)
    {
        var client = node - _clientBase;
        var history = _histories[client];
        var operation = history.Find(o => o.Timestamp == delivered.Timestamp);
        if (operation is null || operation.Result is not null)
        {
            _violations.Add($"c{client}#{delivered.Timestamp} delivered without being pending");
            return;
        }

        operation.Result = delivered.Result;
        operation.CompletedAt = _now;
        if (history.Count < _workloads[client].Count)
        {
            Schedule(_now + _network.NextLong(_scenario.ThinkMicros + 1), new SimulatedEvent(SimulatedEventKind.Submit, node));
        }
        else
        {
            _completedClients++;
        }
    }
}
