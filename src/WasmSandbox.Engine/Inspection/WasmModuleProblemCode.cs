namespace WasmSandbox;

/// <summary>The stable <see cref="WasmModuleProblem.Code"/> values.</summary>
public static class WasmModuleProblemCode
{
    public const string NotWasm = nameof(NotWasm);
    public const string ShellShim = nameof(ShellShim);
    public const string NativeBinaryNotSupported = nameof(NativeBinaryNotSupported);
    public const string ModuleTooLarge = nameof(ModuleTooLarge);
    public const string TooManyImports = nameof(TooManyImports);
    public const string TooManyMemories = nameof(TooManyMemories);
    public const string VarUintTooLong = nameof(VarUintTooLong);
    public const string TooManyExports = nameof(TooManyExports);
    public const string TooManyTypes = nameof(TooManyTypes);
    public const string TooManyFunctions = nameof(TooManyFunctions);
    public const string TooManyTables = nameof(TooManyTables);
    public const string TooManyGlobals = nameof(TooManyGlobals);
    public const string TooManyElementSegments = nameof(TooManyElementSegments);
    public const string TooManyDataSegments = nameof(TooManyDataSegments);
    public const string TooManyTags = nameof(TooManyTags);
    public const string TooManyLocals = nameof(TooManyLocals);
    public const string TooManySections = nameof(TooManySections);
    public const string NameTooLong = nameof(NameTooLong);
    public const string NamesTooLarge = nameof(NamesTooLarge);
    public const string TooManyCoreModules = nameof(TooManyCoreModules);
    public const string TooManyComponents = nameof(TooManyComponents);
    public const string ComponentNestingTooDeep = nameof(ComponentNestingTooDeep);
    public const string TooManyInstances = nameof(TooManyInstances);
    public const string TooManyAliases = nameof(TooManyAliases);
    public const string TooManyCanonicalFunctions = nameof(TooManyCanonicalFunctions);
    public const string MalformedSection = nameof(MalformedSection);
    public const string MemoryLimitExceeded = nameof(MemoryLimitExceeded);
    public const string UnsatisfiedImport = nameof(UnsatisfiedImport);
    public const string NoEntryPoint = nameof(NoEntryPoint);
    public const string ValidationFailed = nameof(ValidationFailed);
}
