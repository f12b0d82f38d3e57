using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Nn;

/// <summary>
/// Base of every layer and model: named parameters, buffers and children whose dotted paths equal
/// PyTorch's state-dict keys (e.g. <c>blocks.0.attn.qkv.weight</c>), train/eval mode, freezing and
/// state-dict import/export. Parameters are plain tensors with <see cref="Tensor.RequiresGrad"/> set,
/// created outside any <see cref="TensorScope"/>, and loading copies into them in place so that
/// optimizers holding them stay valid.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = new();
    private readonly List<(string Name, Tensor Tensor, bool Persistent)> _buffers = new();
    private readonly List<(string Name, Module Module)> _children = new();

    public bool Training { get; private set; } = true;

    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        if (value.DType != DType.Float32) throw new ArgumentException($"{GetType().Name}: parameter '{name}' must be float32, got {value.DType}");
        value.RequiresGrad = true;
        _parameters.Add((name, value));
        return value;
    }

    protected Tensor RegisterBuffer(string name, Tensor value, bool persistent = true)
    {
        CheckName(name);
        _buffers.Add((name, value, persistent));
        return value;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _children.Add((name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: '{name}' is not a valid member name");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name}: member '{name}' registered twice");
    }

    /// <summary>Replaces a registered buffer's tensor (e.g. BatchNorm's counter) keeping its place in the state dict.</summary>
    protected void SetBuffer(string name, Tensor value)
    {
        int i = _buffers.FindIndex(b => b.Name == name);
        if (i < 0) throw new ArgumentException($"{GetType().Name}: no buffer '{name}'");
        _buffers[i] = (name, value, _buffers[i].Persistent);
    }

    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (n, c) in _children)
            foreach (var x in c.NamedModules(Join(prefix, n))) yield return x;
    }

    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (n, p) in _parameters) yield return (Join(prefix, n), p);
        foreach (var (n, c) in _children)
            foreach (var x in c.NamedParameters(Join(prefix, n))) yield return x;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "", bool persistentOnly = false)
    {
        foreach (var (n, b, persistent) in _buffers)
            if (persistent || !persistentOnly) yield return (Join(prefix, n), b);
        foreach (var (n, c) in _children)
            foreach (var x in c.NamedBuffers(Join(prefix, n), persistentOnly)) yield return x;
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Parameters and persistent buffers by PyTorch key, in registration order (tensors are shared, not copied).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (n, p) in NamedParameters()) d[n] = p;
        foreach (var (n, b) in NamedBuffers(persistentOnly: true)) d[n] = b;
        return d;
    }

    /// <summary>
    /// Copies matching tensors into this module's parameters and buffers. With <paramref name="strict"/>,
    /// any missing or unexpected key fails; a shape mismatch always fails. All problems are reported in
    /// one <see cref="StateDictMismatchException"/> (one line, long lists summarised, with the likely cause),
    /// and nothing is copied unless all checks pass.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var mismatched = own.Where(kv => state.TryGetValue(kv.Key, out var t) && !ShapeUtil.SameShape(t.Shape, kv.Value.Shape))
            .Select(kv => new ShapeMismatch(kv.Key, state[kv.Key].Shape.ToArray(), kv.Value.Shape.ToArray())).ToList();
        if (!strict) (missing, unexpected) = ([], []);
        if (missing.Count > 0 || unexpected.Count > 0 || mismatched.Count > 0)
            throw new StateDictMismatchException(GetType().Name, missing, unexpected, mismatched,
                StateDictDiagnosis.Cause(own.Keys.ToList(), state.Keys.ToList(), missing, unexpected, mismatched));
        using var _ = Vitrum.Tensors.Autograd.GradMode.NoGrad();
        foreach (var (k, dst) in own)
        {
            if (!state.TryGetValue(k, out var src)) continue;
            if (src.DType != dst.DType) throw new ArgumentException($"LoadStateDict into {GetType().Name}: {k} is {src.DType}, expected {dst.DType}");
            Ops.CopyInto(dst, src);
        }
    }

    /// <summary>The generator this module itself draws from while training (dropout, stochastic depth), if any.</summary>
    protected internal virtual Generator? RandomSource => null;

    /// <summary>Every generator the module and its children draw from while training, each once, in module order.</summary>
    private List<Generator> RandomSources()
    {
        var seen = new HashSet<Generator>(ReferenceEqualityComparer.Instance);
        var list = new List<Generator>();
        foreach (var (_, m) in NamedModules())
            if (m.RandomSource is { } g && seen.Add(g)) list.Add(g);
        return list;
    }

    /// <summary>
    /// The state of every generator the module draws from while training, 4 words each, in module order. Training
    /// checkpoints keep it, so a resumed run draws the dropout masks an uninterrupted one would.
    /// </summary>
    public ulong[] RandomState() => RandomSources().SelectMany(g => g.GetState()).ToArray();

    /// <summary>Restores <see cref="RandomState"/>; an empty state (a checkpoint that kept none) leaves the generators as they are.</summary>
    public void LoadRandomState(ulong[] state)
    {
        if (state.Length == 0) return;
        var sources = RandomSources();
        if (state.Length != 4 * sources.Count)
            throw new ArgumentException($"LoadRandomState into {GetType().Name}: the state has {state.Length} words, " +
                $"the model draws from {sources.Count} generators of 4 words each");
        for (int i = 0; i < sources.Count; i++) sources[i].SetState(state[(4 * i)..(4 * i + 4)]);
    }

    public Module Train(bool on = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = on;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Stops (or restarts) gradients for every parameter of this module.</summary>
    public Module Freeze(bool frozen = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = !frozen;
        return this;
    }

    public long ParameterCount(bool trainableOnly = false) =>
        Parameters().Where(p => !trainableOnly || p.RequiresGrad).Sum(p => (long)p.Numel);

    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>A new parameter-sized tensor created outside any scope (parameters outlive every step).</summary>
    protected static Tensor NewTensor(params int[] shape)
    {
        using var _ = TensorScope.Suppress();
        return Tensor.Zeros(shape);
    }
}

/// <summary>A module with a typed forward pass (one input, one output).</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);
}
