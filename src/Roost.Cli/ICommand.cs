namespace Roost.Cli;

/// <summary>One verb of <c>roost</c> (<c>simulate</c>, <c>agent</c>, <c>image</c>, …). Parse, call, print: nothing else.</summary>
internal interface ICommand
{
    /// <summary>The verb as typed on the command line.</summary>
    string Name { get; }

    /// <summary>One line for <c>roost --help</c>.</summary>
    string Summary { get; }

    /// <summary>The options this verb accepts; also the source of its <c>--help</c> text.</summary>
    OptionSet Options { get; }

    /// <summary>Runs the verb and returns the process exit code. Throws <see cref="UsageException"/> for bad input.</summary>
    Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken);
}
