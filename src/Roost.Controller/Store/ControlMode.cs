namespace Roost.Controller.Store;

/// <summary>
/// How far the controller acts alone (as DRS's and Watcher's modes): <see cref="Manual"/> stores each plan as pending
/// for an operator; <see cref="Automatic"/> executes it.
/// </summary>
public enum ControlMode
{
    Manual,
    Automatic,
}
