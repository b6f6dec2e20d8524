namespace Roost.Controller.Store;

/// <summary>What an action does. A Sandpiper swap is stored as its migrations in order.</summary>
public enum ActionKind
{
    Migrate,
    Resize,
}
