namespace Roost.Hypervisor.Logging;

/// <summary>How <c>roost serve</c> and <c>roost agent</c> write their log: a line of text or a JSON object per entry.</summary>
public enum LogFormat
{
    /// <summary><c>2026-12-07T05:45:42.123Z info: Category: message</c>.</summary>
    Text,

    /// <summary>One JSON object a line: <c>at</c>, <c>level</c>, <c>category</c>, <c>message</c> and the entry's named fields.</summary>
    Json,
}
