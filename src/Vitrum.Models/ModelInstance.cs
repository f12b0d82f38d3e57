using Vitrum.Nn;
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
}
