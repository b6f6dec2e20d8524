using System.Runtime.ExceptionServices;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// Runs code inside a named network namespace (<c>/run/netns/NAME</c>) without a child process: a fresh thread
/// enters the namespace with setns(2), runs the action, and ends. Sockets created there stay in that namespace for
/// their whole life, whichever thread uses them later, so a test or an agent in the root namespace can listen on a
/// site's address or connect from it.
/// </summary>
/// <remarks>
/// The action must be synchronous and must not start threads or queue work (no async calls, no Task.Run): a thread
/// created from the entered thread would inherit the namespace, and a thread-pool thread would then create sockets
/// in the wrong network. Creating, binding, connecting and listening on a socket synchronously is safe.
/// </remarks>
public static class NetworkNamespace
{
    public static string PathOf(string name) => Path.Combine("/run/netns", name);

    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>Runs <paramref name="action"/> on a new thread inside namespace <paramref name="name"/> and returns its result (or rethrows its exception).</summary>
    public static T Run<T>(string name, Func<T> action)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(action);
        using var handle = File.OpenHandle(PathOf(name));
        var result = new T[1]; // written by the thread, read after Join
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var added = false;
                handle.DangerousAddRef(ref added);
                try
                {
                    if (NativeMethods.SetNs((int)handle.DangerousGetHandle(), NativeMethods.CloneNewNet) != 0)
                    {
                        throw new IOException($"setns into network namespace {name}: {NativeMethods.LastError()}");
                    }
                }
                finally
                {
                    if (added)
                    {
                        handle.DangerousRelease();
                    }
                }

                result[0] = action();
            }
#pragma warning disable CA1031 // Rethrown on the caller's thread below.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {name}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result[0];
    }
}
