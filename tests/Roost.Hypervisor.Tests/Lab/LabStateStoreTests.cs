using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests.Lab;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LabStateStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "roost-tests", $"labstore-{Environment.ProcessId}-{Guid.NewGuid():N}");

    [Fact]
    public void Write_ThenRead_GivesTheSameState_OwnerOnly()
    {
        var store = new LabStateStore(_directory);
        var layout = new WanLabLayout(LabName.Parse("x1"), WanLabOptions.Default);
        var state = WanLabState.Planned(layout, ProcessIdentity.Current, DateTimeOffset.UnixEpoch) with { Relay = new ProcessIdentity(42, 7) };

        store.Write(state);
        var read = store.TryRead(LabName.Parse("x1"));

        Assert.NotNull(read);
        Assert.Equal((state.Name, state.Options, state.Relay, state.Owner, state.Complete), (read.Name, read.Options, read.Relay, read.Owner, read.Complete));
        Assert.Equal(layout.Namespaces, read.Namespaces);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.StatePath(LabName.Parse("x1"))));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
    }

    [Fact]
    public void List_SkipsFilesThatAreNoLabsState()
    {
        var store = new LabStateStore(_directory);
        store.Write(WanLabState.Planned(new WanLabLayout(LabName.Parse("b"), WanLabOptions.Default), null, DateTimeOffset.UnixEpoch));
        store.Write(WanLabState.Planned(new WanLabLayout(LabName.Parse("a"), WanLabOptions.Default), null, DateTimeOffset.UnixEpoch));
        File.WriteAllText(Path.Combine(_directory, "junk.json"), "{ not json");
        File.WriteAllText(Path.Combine(_directory, "evil.json"), """{"name": "../../etc", "sites": 2}""");

        Assert.Equal(["a", "b"], store.List().Select(s => s.Name));
    }

    [Fact]
    public void TryRead_TakesOnlyTheNameAndCountsFromTheFile_AndOnlyAStateOfThatLab()
    {
        var store = new LabStateStore(_directory);
        store.Write(WanLabState.Planned(new WanLabLayout(LabName.Parse("a"), WanLabOptions.Default), null, DateTimeOffset.UnixEpoch));
        var text = File.ReadAllText(store.StatePath(LabName.Parse("a")));
        Assert.Contains("\"sites\": 2,", text);
        File.WriteAllText(store.StatePath(LabName.Parse("a")), text.Replace("\"sites\": 2,", "\"sites\": 2, \"namespaces\": [\"stranger\"],"));
        File.WriteAllText(store.StatePath(LabName.Parse("b")), text);
        File.WriteAllText(store.StatePath(LabName.Parse("c")), text.Replace("\"name\": \"a\"", "\"name\": \"c\"").Replace("\"sites\": 2,", "\"sites\": 99,"));

        var a = store.TryRead(LabName.Parse("a"));

        Assert.Equal(["roost-a-wan", "roost-a-s1", "roost-a-s2"], a?.Namespaces);
        Assert.Null(store.TryRead(LabName.Parse("b")));
        Assert.Null(store.TryRead(LabName.Parse("c")));
        Assert.Equal(["a"], store.List().Select(s => s.Name));
    }

    [Fact]
    public void Delete_RemovesEveryFileOfTheLab()
    {
        var store = new LabStateStore(_directory);
        var name = LabName.Parse("c");
        store.Write(WanLabState.Planned(new WanLabLayout(name, WanLabOptions.Default), null, DateTimeOffset.UnixEpoch));
        store.AppendLog(name, "relay started");

        store.Delete(name);

        Assert.Empty(Directory.GetFiles(_directory));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
