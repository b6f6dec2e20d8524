namespace Roost.Core.Migration;

/// <summary>What a <see cref="SwitchoverPolicy"/> says after a progress report.</summary>
public enum SwitchoverDecision
{
    /// <summary>Let QEMU carry on (pre-copy rounds until it meets the downtime limit).</summary>
    Continue,

    /// <summary>Stop pre-copying: ask QEMU for <c>migrate-start-postcopy</c>.</summary>
    StartPostCopy,
}
