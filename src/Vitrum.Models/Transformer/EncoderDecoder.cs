// Attention Is All You Need (Vaswani et al., 2017); keys of torch.nn.Transformer (PyTorch 1.13).
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>nn.Transformer's container: <c>encoder</c> and <c>decoder</c> (the model's <c>transformer.*</c> keys).</summary>
public sealed class EncoderDecoder : Module
{
    public TransformerEncoder Encoder { get; }
    public TransformerDecoder Decoder { get; }

    public EncoderDecoder(TransformerConfig c, Generator gen)
    {
        Encoder = RegisterModule("encoder", new TransformerEncoder(c, gen));
        Decoder = RegisterModule("decoder", new TransformerDecoder(c, gen));
    }
}
