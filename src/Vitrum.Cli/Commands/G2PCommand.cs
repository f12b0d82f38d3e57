using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Text;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum g2p --weights W [--beam K] WORD...</c>: prints each word's predicted ARPAbet pronunciation
/// ("hello  HH AH L OW"). Words are lower-cased; a word with a character other than a letter or an
/// apostrophe, an empty word or one longer than the model's max_len is refused before anything is decoded.
/// </summary>
public static class G2PCommand
{
    public static int Run(string weights, string? modelArg, IReadOnlyList<string> wordArgs, int beam, bool json)
    {
        var words = wordArgs.Select(w => w.ToLowerInvariant()).ToArray();
        var letters = new long[words.Length][];
        for (int i = 0; i < words.Length; i++)
        {
            try { letters[i] = G2PVocab.EncodeWord(words[i]); }
            catch (ArgumentException e) { throw new CliException($"cannot convert word {i + 1}: {e.Message}"); }
        }
        var model = G2PModel.Load(weights, modelArg);
        for (int i = 0; i < words.Length; i++)
            if (letters[i].Length > model.Config.MaxLen)
                throw new CliException($"cannot convert word {i + 1}: '{words[i]}' has {letters[i].Length} characters; the model reads at most {model.Config.MaxLen} (max_len)");
        var predictions = Seq2SeqEvaluation.Predict(model, letters, batchSize: 256, beamSize: beam);
        var phonemes = predictions.Select(p => G2PVocab.DecodePhonemes(p)).ToArray();
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new { pronunciations = words.Select((w, i) => new { word = w, phonemes = phonemes[i] }) }));
        else
        {
            int width = words.Max(w => w.Length);
            for (int i = 0; i < words.Length; i++) Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0}  {1}", words[i].PadRight(width), phonemes[i]));
        }
        return 0;
    }
}
