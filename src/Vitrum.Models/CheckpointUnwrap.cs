using Vitrum.Tensors;

namespace Vitrum.Models;

/// <summary>Finds the state dict inside a training checkpoint saved as {"model": ...}, {"state_dict": ...} or by DataParallel ("module.").</summary>
internal static class CheckpointUnwrap
{
    private static readonly string[] Wrappers = { "model.", "state_dict.", "module." };

    /// <summary>Descends into "model." / "state_dict." / "module." while none of <paramref name="markers"/> is a key; other entries are dropped.</summary>
    public static IReadOnlyDictionary<string, Tensor> Unwrap(IReadOnlyDictionary<string, Tensor> state, params string[] markers)
    {
        while (!markers.Any(state.ContainsKey))
        {
            var wrapper = Wrappers.FirstOrDefault(w => state.Keys.Any(k => k.StartsWith(w, StringComparison.Ordinal)));
            if (wrapper == null) break;
            state = state.Where(kv => kv.Key.StartsWith(wrapper, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[wrapper.Length..], kv => kv.Value, StringComparer.Ordinal);
        }
        return state;
    }
}
