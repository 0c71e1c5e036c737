namespace WasmSandbox;

/// <summary>
/// The inspection settings a start judges its module by: what a start's report on the same content depends on. The
/// sandbox's policy decides both (the permission tier's imports count as satisfied, the memory limit caps what a
/// memory may declare); everything else is the inspector's default, so <see cref="ToOptions"/> is the one place a
/// start's inspection options are made and a report cached under a key was made under exactly those options.
/// </summary>
internal readonly record struct ModuleInspectionKey(WasmPermissionTier Tier, long MaxMemoryBytes)
{
    public static ModuleInspectionKey For(SandboxPolicy policy) => new(policy.Tier, policy.Limits.MaxMemoryBytes);

    public WasmInspectionOptions ToOptions() => new()
    {
        PermissionTier = Tier,
        MaxMemoryBytes = MaxMemoryBytes,
        RequireEntryPoint = false,
        RunWasmtimeValidation = false,
    };
}
