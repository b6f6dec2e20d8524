namespace Roost.Simulation.Input;

/// <summary>What a path names once symbolic links are followed (the <c>S_IFMT</c> bits of <c>stat</c>).</summary>
public enum FileKind
{
    /// <summary>Nothing: the path, or the target of a link on it, does not exist.</summary>
    Missing,

    Regular,

    Directory,

    /// <summary>A named pipe: opening it for reading waits for a writer, and reading it may never end.</summary>
    Fifo,

    /// <summary>A character device such as /dev/zero, /dev/urandom or a terminal: endless or blocking.</summary>
    CharacterDevice,

    BlockDevice,

    Socket,
}
