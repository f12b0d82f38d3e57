using Vitrum.Data.Text;
using Vitrum.Models;
using Vitrum.Nn;
using Vitrum.Models.Transformer;

namespace Vitrum.Cli.Commands;

/// <summary>Building and loading grapheme-to-phoneme Transformers for the CLI, checked against the CMUdict vocabularies.</summary>
public static class G2PModel
{
    /// <summary>A fresh model from a preset or JSON config, which must be a Transformer with CMUdict's vocabulary sizes.</summary>
    public static TransformerModel Create(string presetOrConfig, ulong seed)
    {
        IModelConfig config;
        try { config = ModelRegistry.Resolve(presetOrConfig); }
        catch (FileNotFoundException e) { throw new CliException(e.Message); }
        return new TransformerModel(Check(config, presetOrConfig), seed);
    }

    /// <summary>A trained model from weights whose metadata holds its config (as Vitrum writes them), or with --model.</summary>
    public static TransformerModel Load(string path, string? modelArg)
    {
        var tensors = WeightsFile.ReadTensors(path, out var json);
        var name = Path.GetFileName(path);
        using var skip = Init.Skip();
        var model = modelArg != null ? Create(modelArg, 0)
            : json != null ? new TransformerModel(Check(ModelRegistry.ParseJson(json, name), name))
            : throw new CliException($"{name} does not say which model it holds (no config metadata): give --model");
        try { TransformerWeights.Load(model, tensors, name); }
        catch (ArgumentException e) { throw new CliException(e.Message, ExitCodes.Failure); }
        return model;
    }

    private static TransformerConfig Check(IModelConfig config, string source)
    {
        if (config is not TransformerConfig t)
            throw new CliException($"{source} is a '{config.Family}' model; grapheme-to-phoneme needs a 'transformer'");
        if (t.SrcVocabSize != G2PVocab.Graphemes.Count || t.TgtVocabSize != G2PVocab.Phonemes.Count || t.PadId != Vocabulary.Pad)
            throw new CliException($"{source}: src_vocab_size {t.SrcVocabSize}, tgt_vocab_size {t.TgtVocabSize}, pad_id {t.PadId} do not fit CMUdict's vocabularies (expected {G2PVocab.Graphemes.Count}, {G2PVocab.Phonemes.Count}, {Vocabulary.Pad})", ExitCodes.Failure);
        return t;
    }
}
