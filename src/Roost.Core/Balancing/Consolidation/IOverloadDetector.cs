namespace Roost.Core.Balancing.Consolidation;

/// <summary>Decides whether a host is overloaded (Beloglazov &amp; Buyya 2012, §5). Implementations are immutable.</summary>
public interface IOverloadDetector
{
    /// <summary>Name as used on the command line, e.g. "lr".</summary>
    string Name { get; }

    bool IsOverloaded(HostLoad load);
}
