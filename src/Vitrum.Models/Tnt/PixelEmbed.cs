using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Tnt;

/// <summary>
/// timm's TNT PixelEmbed: the image becomes pixel tokens, num_pixel per patch, by a 7x7 convolution (padding 3,
/// stride first_stride; key <c>proj</c>) and an unfold into patches. The current layout unfolds the image into
/// patches first and convolves each patch on its own (zero padding at patch borders); the legacy layout
/// convolves the whole image and unfolds the result.
/// </summary>
public sealed class PixelEmbed : Module
{
    private readonly TntConfig _c;

    public Conv2d Proj { get; }

    public PixelEmbed(TntConfig config, Generator gen)
    {
        _c = config;
        Proj = RegisterModule("proj", new Conv2d(config.InChans, config.InnerDim, 7, config.FirstStride, 3, gen: gen));
    }

    /// <param name="images">[B, in_chans, img_size, img_size]</param>
    /// <param name="pixelPos">[1, inner_dim, s, s], s = pixels along a patch side</param>
    /// <returns>[B * num_patches, num_pixel, inner_dim]</returns>
    public Tensor Forward(Tensor images, Tensor pixelPos)
    {
        int b = images.Shape[0], patches = b * _c.NumPatches, s = _c.PixelSide;
        Tensor x;
        if (_c.Legacy)
        {
            var cols = Ops.Unfold(Proj.Forward(images), s, stride: s);                                  // [B, D*s*s, patches]
            x = cols.Transpose(1, 2).Reshape(patches, _c.InnerDim, s, s);
        }
        else
        {
            var cols = Ops.Unfold(images, _c.PatchSize, stride: _c.PatchSize);                        // [B, C*p*p, patches]
            x = Proj.Forward(cols.Transpose(1, 2).Reshape(patches, _c.InChans, _c.PatchSize, _c.PatchSize));
        }
        return Ops.Add(x, pixelPos).Reshape(patches, _c.InnerDim, s * s).Transpose(1, 2);
    }
}
