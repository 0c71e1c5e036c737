using System.Globalization;
using System.Management.Automation;

namespace WasmSandbox.Commands;

/// <summary>
/// The one place that decides what a <c>-Timeout</c> value means, for every cmdlet of the module: a number is seconds
/// (<c>5</c>, <c>0.5</c>, and a string that reads as a number, so <c>'5'</c> is five seconds, never five days); -1 is
/// no limit; a <see cref="TimeSpan"/> or a string TimeSpan parses (<c>'00:00:05'</c>) is taken as is. Ranges are
/// checked after this by <see cref="ValidateTimeoutAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class TimeoutTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            TimeSpan span => span,
            string text => FromText(text),
            byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal => FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture), value),
            _ => throw Refuse(value, "it is neither a number of seconds nor a TimeSpan"),
        };
    }

    private static TimeSpan FromText(string text)
    {
        var trimmed = text.Trim();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return FromSeconds(seconds, text);
        }
        if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }
        throw Refuse(text, "it reads neither as seconds (5, 0.5) nor as a TimeSpan ('00:00:05', '1.00:00:00')");
    }

    private static TimeSpan FromSeconds(double seconds, object? original)
    {
        if (seconds == -1)
        {
            return Timeout.InfiniteTimeSpan;
        }
        if (double.IsNaN(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds)
        {
            throw Refuse(original, "a number of seconds must be 0 or more (or -1 for no limit)");
        }
        return TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
    }

    private static ArgumentTransformationMetadataException Refuse(object? value, string reason) =>
        new($"Cannot use '{value}' as a timeout: {reason}. A number means seconds (-Timeout 5, -Timeout 0.5); " +
            "a TimeSpan ([timespan]'00:00:05') is taken as is; -1 means no limit.");
}
