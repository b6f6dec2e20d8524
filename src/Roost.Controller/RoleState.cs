namespace Roost.Controller;

/// <summary>See <see cref="ControllerRole"/>.</summary>
public enum RoleState
{
    Standby,
    Starting,
    Active,
    Stopped,
}
