namespace Vitrum.Models;

/// <summary>A model architecture of one family, serializable as the JSON config files the CLI accepts.</summary>
public interface IModelConfig
{
    /// <summary>The family tag of JSON configs ("vit").</summary>
    string Family { get; }

    /// <summary>The config as JSON with timm's snake_case argument names, "family" included.</summary>
    string ToJson();
}
