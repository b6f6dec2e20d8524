using Roost.Simulation.Input;
using Roost.Simulation.Input.Fuzzing;
using Roost.Simulation.Tests.Workloads;

namespace Roost.Simulation.Tests.Input;

public sealed class InputFileTests : IDisposable
{
    private static readonly TimeSpan _neverBlocks = TimeSpan.FromSeconds(30);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_RegularFile_ReturnsEveryByte()
    {
        var path = _temp.Write("trace", "1\n2\n3\n");

        var result = InputFile.Read(path, 1024);

        Assert.Equal("1\n2\n3\n"u8.ToArray(), Assert.IsType<InputFileResult.Read>(result).Bytes.ToArray());
    }

    [Fact]
    public async Task Read_Fifo_IsRefusedWithoutBlocking()
    {
        var path = Path.Combine(_temp.Path, "pipe");
        SpecialFile.MakeFifo(path);

        var read = await Task.Run(() => InputFile.Read(path, 1024)).WaitAsync(_neverBlocks);

        Assert.Equal("is a named pipe (FIFO), not a regular file", Refusal(read));
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    [InlineData("/dev/null")]
    public void Read_LinkToADevice_IsRefusedNamingTheTarget(string device)
    {
        var path = Path.Combine(_temp.Path, "trace");
        File.CreateSymbolicLink(path, device);

        var result = InputFile.Read(path, 1024);

        Assert.Equal($"is a character device, not a regular file (a link to {device})", Refusal(result));
    }

    [Fact]
    public void Read_Socket_IsRefused()
    {
        var path = Path.Combine(_temp.Path, "socket");
        SpecialFile.MakeSocket(path);

        Assert.Equal("is a socket, not a regular file", Refusal(InputFile.Read(path, 1024)));
    }

    [Fact]
    public void Read_FolderMissingDanglingAndLoop_AreRefused()
    {
        var dangling = Path.Combine(_temp.Path, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(_temp.Path, "nothing"));
        var loop = Path.Combine(_temp.Path, "loop");
        File.CreateSymbolicLink(loop, loop);

        Assert.Equal("is a folder, not a regular file", Refusal(InputFile.Read(_temp.Path, 1024)));
        Assert.Equal("no such file", Refusal(InputFile.Read(Path.Combine(_temp.Path, "none"), 1024)));
        Assert.StartsWith("no such file (a link to ", Refusal(InputFile.Read(dangling, 1024)), StringComparison.Ordinal);
        Assert.StartsWith("cannot read: ", Refusal(InputFile.Read(loop, 1024)), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SparseFileOverTheLimit_IsRefusedWithoutAllocatingIt()
    {
        var path = Path.Combine(_temp.Path, "huge");
        using (var file = File.Create(path))
        {
            file.SetLength(1L << 30);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = InputFile.Read(path, 1L << 20);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("is larger than the 1 MiB limit for this kind of file", Refusal(result));
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes to refuse a 1 GiB file");
    }

    [Fact]
    public void Read_FileAtTheLimit_IsRead_OneByteMore_IsRefused()
    {
        var exact = _temp.Write("exact", new string('x', 100));
        var over = _temp.Write("over", new string('x', 101));

        Assert.Equal(100, Assert.IsType<InputFileResult.Read>(InputFile.Read(exact, 100)).Bytes.Length);
        Assert.Equal("is larger than the 100 bytes limit for this kind of file", Refusal(InputFile.Read(over, 100)));
    }

    /// <summary>/proc files say they are empty and are not: the reader reads on to the end, within the limit.</summary>
    [Fact]
    public void Read_ProcFileWhoseSizeIsZero_IsReadToItsEnd()
    {
        var read = Assert.IsType<InputFileResult.Read>(InputFile.Read("/proc/self/status", 1 << 20));

        Assert.Contains("VmHWM", System.Text.Encoding.UTF8.GetString(read.Bytes.Span), StringComparison.Ordinal);
        Assert.StartsWith("is larger than", Refusal(InputFile.Read("/proc/self/status", 16)), StringComparison.Ordinal);
    }

    [Fact]
    public void KindOf_FollowsLinks()
    {
        var link = Path.Combine(_temp.Path, "zero");
        File.CreateSymbolicLink(link, "/dev/zero");

        Assert.Equal(FileKind.CharacterDevice, InputFile.KindOf(link));
        Assert.Equal(FileKind.Directory, InputFile.KindOf(_temp.Path));
        Assert.Equal(FileKind.Missing, InputFile.KindOf(Path.Combine(_temp.Path, "none")));
        Assert.Equal(FileKind.Regular, InputFile.KindOf(_temp.Write("f", "x")));
    }

    private static string Refusal(InputFileResult result) => Assert.IsType<InputFileResult.Refused>(result).Reason;
}
