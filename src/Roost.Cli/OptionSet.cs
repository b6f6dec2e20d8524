namespace Roost.Cli;

/// <summary>One option a verb accepts. <see cref="ValueName"/> is null for a flag.</summary>
internal sealed record OptionSpec(string Name, string? ValueName, string Description, bool Repeatable = false);

/// <summary>
/// What one verb takes: its options and the words after it, with the text of its help. System.CommandLine parses them
/// (<see cref="VerbCommand"/>): <c>--name value</c>, <c>--name=value</c>, flags; unknown options and missing values are
/// one line naming the option.
/// </summary>
internal sealed class OptionSet
{
    private readonly List<OptionSpec> _specs = [];

    public OptionSet(string usage, string description)
    {
        Usage = usage;
        Description = description;
    }

    public string Usage { get; }

    public string Description { get; }

    public IReadOnlyList<OptionSpec> Specs => _specs;

    /// <summary>How help names the words the verb takes (<c>fit|predict</c>, <c>FILE</c>); null when it takes none.</summary>
    public string? ArgumentsName { get; private set; }

    /// <summary>The words shell completion offers after the verb (its subcommands).</summary>
    public IReadOnlyList<string> ArgumentWords { get; private set; } = [];

    /// <summary>Declares the words the verb takes: <paramref name="name"/> for help, <paramref name="words"/> for completion.</summary>
    public OptionSet WithArguments(string name, params string[] words)
    {
        ArgumentsName = name;
        ArgumentWords = words;
        return this;
    }

    public OptionSet Add(string name, string? valueName, string description, bool repeatable = false)
    {
        _specs.Add(new OptionSpec(name, valueName, description, repeatable));
        return this;
    }
}
