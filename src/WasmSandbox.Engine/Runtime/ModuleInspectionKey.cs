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

    /// <summary>
    /// The settings for a precompile: it prepares code for later starts whatever their <c>-MaxMemory</c>, so the
    /// module's declared memory is judged against the largest a pooled start can grant (4 GiB) rather than the default
    /// 256 MiB, which would refuse to precompile any big tool (clang declares 4 GiB); each start still judges it
    /// against its own limit.
    /// </summary>
    public static ModuleInspectionKey ForPrecompile(SandboxPolicy policy) =>
        new(policy.Tier, Math.Max(policy.Limits.MaxMemoryBytes, InstancePool.MaxMemoryBytes));

    public WasmInspectionOptions ToOptions() => new()
    {
        PermissionTier = Tier,
        MaxMemoryBytes = MaxMemoryBytes,
        RequireEntryPoint = false,
        RunWasmtimeValidation = false,
    };
}
