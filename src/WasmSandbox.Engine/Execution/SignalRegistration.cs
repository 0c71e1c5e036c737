using System.Numerics;

namespace WasmSandbox;

/// <summary>
/// A signal disposition a guest registered: the signal (1..64), what it does on delivery, the signals blocked while
/// its handler runs (ascending, distinct, each 1..64) and the sigaction flags.
/// </summary>
internal readonly record struct SignalRegistration(int Signal, WasmSignalAction Action, int[] Mask, uint Flags)
{
    public const int MinSignal = 1;
    public const int MaxSignal = 64;

    public static bool IsValidSignal(int signal) => signal is >= MinSignal and <= MaxSignal;

    /// <summary>
    /// The mask for a signal set given as bits, bit <c>n - 1</c> standing for signal <c>n</c> (the layout of a 64-bit
    /// sigset_t). Building the mask this way makes it ascending and distinct by construction.
    /// </summary>
    public static int[] MaskOf(ulong bits)
    {
        var mask = new int[BitOperations.PopCount(bits)];
        for (int i = 0; bits != 0; i++)
        {
            mask[i] = BitOperations.TrailingZeroCount(bits) + 1;
            bits &= bits - 1;
        }
        return mask;
    }

    public WasmSignalStateEvent ToEvent() => new(Signal, Action, Mask, Flags);
}
