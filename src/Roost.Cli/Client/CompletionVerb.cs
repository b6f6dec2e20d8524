using System.CommandLine;

namespace Roost.Cli.Client;

/// <summary>
/// <c>roost completion bash|zsh</c>: a script that completes <c>roost</c> command lines by asking <c>roost</c> itself
/// (System.CommandLine's <c>[suggest]</c> directive), so completion always matches the installed version. Load it with
/// <c>source &lt;(roost completion bash)</c>.
/// </summary>
internal static class CompletionVerb
{
    public static Command Build(TextWriter output)
    {
        var shell = new Argument<string>("SHELL") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print a shell completion script (source <(roost completion bash))") { shell };
        command.SetAction(async (result, _) =>
        {
            await output.WriteAsync(result.GetRequiredValue(shell) == "zsh" ? Zsh : Bash).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private const string Bash = """
        # roost completion for bash: source <(roost completion bash)
        _roost_complete() {
          local IFS=$'\n'
          COMPREPLY=( $(compgen -W "$(roost "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _roost_complete roost

        """;

    private const string Zsh = """
        # roost completion for zsh: source <(roost completion zsh)
        _roost_complete() {
          local -a candidates
          candidates=("${(@f)$(roost "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
          compadd -- $candidates
        }
        compdef _roost_complete roost

        """;
}
