using Vitrum.Models.Detr;
using Vitrum.Nn;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models;

/// <summary>A model built from a config, with the family that made it: what the CLI and the trainer hold.</summary>
public sealed record ModelInstance(IModelFamily Family, IModelConfig Config, Module Module)
{
    public TaskKind Task => Family.Task;

    public string ConfigJson => Config.ToJson();

    public IReadOnlyCollection<string> NoWeightDecay => Family.NoWeightDecay(Config);

    /// <summary>The evaluation preprocessing (null for a model that takes no images).</summary>
    public PretrainedCfg? Pretrained => Family.Pretrained(Config);

    /// <summary>The image classifier (<see cref="TaskKind.Classify"/>), or an error naming the task it has instead.</summary>
    public Module<Tensor, Tensor> Classifier => Module as Module<Tensor, Tensor> ?? throw new InvalidOperationException(
        $"a '{Family.Name}' model ({Task}) is not an image classifier");

    /// <summary>The object detector (<see cref="TaskKind.Detect"/>), or an error naming the task it has instead.</summary>
    public Module<ImageBatch, DetrOutput> Detector => Module as Module<ImageBatch, DetrOutput> ?? throw new InvalidOperationException(
        $"a '{Family.Name}' model ({Task}) is not an object detector");

    /// <summary>
    /// Eval mode, the model's layers folded for inference where it can (<see cref="IInferenceFusion"/>) and every linear
    /// layer's weight packed for the GEMM (<see cref="Linear.PackForInference"/>): call after loading weights.
    /// </summary>
    public void ForInference()
    {
        Module.Eval();
        if (Module is IInferenceFusion fusion) fusion.FuseForInference();
        foreach (var (_, m) in Module.NamedModules())
            if (m is Linear linear) linear.PackForInference();
    }

    /// <summary>
    /// Maps <paramref name="checkpoint"/> through the family's filter and copies it in strictly: every parameter
    /// present with its shape, nothing left over, nothing copied unless all fits.
    /// </summary>
    /// <param name="source">the file's name, for the message</param>
    /// <exception cref="ArgumentException">the checkpoint is not one of this model (one line: the architecture, the counts and first keys of the missing, unexpected and mismatched lists, and the likely cause)</exception>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> checkpoint, string source)
    {
        using var scope = new TensorScope();
        try { Module.LoadStateDict(Family.FilterCheckpoint(checkpoint, Config), strict: true); }
        catch (StateDictMismatchException e)
        {
            var cause = CheckpointLayout.Cause(e.Unexpected, Family) ?? e.Cause;
            throw new ArgumentException($"{source} is not a checkpoint of this {Family.Describe(Config)}: {e.Summary}{(cause == null ? "" : $". Likely cause: {cause}")}", e);
        }
        catch (ArgumentException e) { throw new ArgumentException($"{source} is not a checkpoint of this {Family.Describe(Config)}: {e.Message}", e); }
    }

    /// <summary>
    /// Loads pretrained weights to fine-tune from, as timm's load_pretrained: the family's filter maps the layout and
    /// resamples position embeddings (and Swin's relative position tables) to this model's size; a classifier whose
    /// shape differs from the model's (another class count) is dropped, so the model keeps its freshly initialised
    /// head; everything else must fit exactly, as in <see cref="LoadWeights"/>.
    /// </summary>
    /// <param name="source">the file's name, for the message</param>
    /// <exception cref="ArgumentException">the checkpoint is not one of this architecture (the message names it and the keys)</exception>
    public PretrainedLoad LoadPretrained(IReadOnlyDictionary<string, Tensor> checkpoint, string source)
    {
        var head = Family.Classifier(Config) ?? throw new ArgumentException($"a '{Family.Name}' model has no classification head to fine-tune");
        string weight = head + ".weight";
        using var scope = new TensorScope();
        try
        {
            var state = Family.FilterCheckpoint(checkpoint, Config);
            var own = Module.StateDict();
            int modelClasses = own.TryGetValue(weight, out var mine) ? mine.Shape[0] : 0;
            int checkpointClasses = state.TryGetValue(weight, out var w) && w.Rank == 2 ? w.Shape[0] : 0;
            var headKeys = own.Keys.Where(k => k.StartsWith(head + ".", StringComparison.Ordinal)).ToList();
            bool fits = headKeys.All(k => state.TryGetValue(k, out var t) && ShapeUtil.SameShape(t.Shape, own[k].Shape));
            if (!fits)
            {
                foreach (var k in state.Keys.Where(k => k.StartsWith(head + ".", StringComparison.Ordinal)).ToList()) state.Remove(k);
                foreach (var k in headKeys) state[k] = own[k].Clone();
            }
            Module.LoadStateDict(state, strict: true);
            return new PretrainedLoad(checkpointClasses, modelClasses, !fits);
        }
        catch (ArgumentException e) { throw new ArgumentException($"{source} is not a checkpoint of this {Family.Describe(Config)}: {e.Message}", e); }
    }

    /// <summary>
    /// The optimizer's parameter groups: timm's weight-decay split (<see cref="ParamGroup.WeightDecaySplit"/>), or with
    /// <paramref name="layerDecay"/> its layer-wise learning-rate decay over the family's layer ordinals
    /// (<see cref="ParamGroup.LayerDecaySplit"/>), the no-weight-decay rule applying within each layer.
    /// </summary>
    /// <exception cref="ArgumentException">layer decay for a family that defines no layers</exception>
    public List<ParamGroup> ParamGroups(double lr, double weightDecay, double? layerDecay = null)
    {
        if (layerDecay is not double decay) return ParamGroup.WeightDecaySplit(Module, lr, weightDecay, NoWeightDecay);
        var ids = Module.NamedParameters().ToDictionary(p => p.Name, p => Family.LayerId(p.Name, Config), StringComparer.Ordinal);
        if (ids.Values.Any(id => id == null))
            throw new ArgumentException($"layer-wise learning-rate decay needs the layers of the model, which the '{Family.Name}' family does not define");
        return ParamGroup.LayerDecaySplit(Module, lr, weightDecay, decay, name => ids[name]!.Value, NoWeightDecay);
    }
}
