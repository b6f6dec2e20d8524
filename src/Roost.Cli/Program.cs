namespace Roost.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Out.WriteLine("roost: under construction");
        return args.Length == 0 ? 0 : 2;
    }
}
