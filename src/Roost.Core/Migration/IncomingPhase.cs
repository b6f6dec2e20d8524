namespace Roost.Core.Migration;

/// <summary>Where an incoming migration is. Every phase but <see cref="Idle"/> and <see cref="Finished"/> has its deadline armed.</summary>
public enum IncomingPhase
{
    Idle,

    /// <summary>Starting the incoming QEMU.</summary>
    Launching,

    /// <summary>The incoming QEMU waits for (or receives) the stream.</summary>
    AwaitingStream,

    /// <summary>The source says the stream is complete: waiting for the incoming QEMU to hold it whole (paused).</summary>
    Verifying,

    /// <summary>Writing the adoption record: from here on, the VM's home is this host unless resuming fails.</summary>
    Committing,

    /// <summary>Resuming the adopted guest.</summary>
    Resuming,

    Finished,
}
