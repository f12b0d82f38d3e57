using System.Numerics.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// Batch normalization over [N, C, inner] per channel: each channel owns N runs of inner floats, so
/// channels are independent pieces of parallel work. Statistics are two-pass (mean, then squared
/// deviations) with double accumulation across runs, as PyTorch's CPU kernel.
/// </summary>
internal sealed unsafe class BatchNormKernel
{
    private readonly int _batch, _channels, _inner;

    public BatchNormKernel(int batch, int channels, int inner)
    {
        _batch = batch;
        _channels = channels;
        _inner = inner;
    }

    private int Count => _batch * _inner;

    private Span<float> Run(float* t, int n, int c) => new(t + ((long)n * _channels + c) * _inner, _inner);

    /// <summary>
    /// y = (x - mean) * invstd * weight + bias; weight and bias may be null (1 and 0). Training uses batch
    /// statistics and, when the running buffers are given, updates them in place with the unbiased
    /// variance; eval uses the running statistics. mean and invstd [C] receive the statistics used.
    /// </summary>
    public void Forward(float* x, float* y, float* weight, float* bias, float* mean, float* invstd,
        bool training, float* runningMean, float* runningVar, float momentum, float eps)
    {
        PlaneJob.For(_channels, 3L * _channels * Count, c =>
        {
            float mu, istd;
            if (training)
            {
                var scratch = BufferPool.RentFloat(_inner);
                var dev = scratch.AsSpan(0, _inner);
                double sum = 0, sq = 0;
                for (int n = 0; n < _batch; n++) sum += TensorPrimitives.Sum<float>(Run(x, n, c));
                mu = (float)(sum / Count);
                for (int n = 0; n < _batch; n++)
                {
                    TensorPrimitives.Subtract(Run(x, n, c), mu, dev);
                    sq += TensorPrimitives.SumOfSquares<float>(dev);
                }
                BufferPool.Return(scratch);
                istd = 1f / MathF.Sqrt((float)(sq / Count) + eps);
                if (runningMean != null)
                {
                    runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mu;
                    runningVar[c] = (1 - momentum) * runningVar[c] + momentum * (float)(sq / (Count - 1));
                }
            }
            else
            {
                mu = runningMean[c];
                istd = 1f / MathF.Sqrt(runningVar[c] + eps);
            }
            mean[c] = mu;
            invstd[c] = istd;
            float scale = (weight != null ? weight[c] : 1f) * istd;
            float shift = (bias != null ? bias[c] : 0f) - mu * scale;
            for (int n = 0; n < _batch; n++)
            {
                var o = Run(y, n, c);
                TensorPrimitives.Multiply(Run(x, n, c), scale, o);
                TensorPrimitives.Add(o, shift, o);
            }
        });
    }

    /// <summary>
    /// Gradients from dy; null targets are skipped. In training the statistics depend on x, so
    /// dx = w*invstd * (dy - mean(dy) - xhat * mean(dy * xhat)); in eval dx = w*invstd * dy.
    /// </summary>
    public void Backward(float* x, float* gy, float* weight, float* mean, float* invstd, bool training,
        float* dx, float* dw, float* db)
    {
        PlaneJob.For(_channels, 3L * _channels * Count, c =>
        {
            float mu = mean[c], istd = invstd[c];
            var scratch = BufferPool.RentFloat(_inner);
            var dev = scratch.AsSpan(0, _inner);
            double sumG = 0, dot = 0;
            for (int n = 0; n < _batch; n++)
            {
                var g = Run(gy, n, c);
                sumG += TensorPrimitives.Sum<float>(g);
                TensorPrimitives.Subtract(Run(x, n, c), mu, dev);
                dot += TensorPrimitives.Dot<float>(g, dev);
            }
            if (dw != null) dw[c] = (float)(dot * istd);
            if (db != null) db[c] = (float)sumG;
            if (dx != null)
            {
                float k = (weight != null ? weight[c] : 1f) * istd;
                // dx = k*dy + (x - mean)*devScale + offset in training; the last two vanish in eval.
                float devScale = training ? (float)(-k * istd * istd * dot / Count) : 0f;
                float offset = training ? (float)(-k * sumG / Count) : 0f;
                for (int n = 0; n < _batch; n++)
                {
                    var d = Run(dx, n, c);
                    TensorPrimitives.Multiply(Run(gy, n, c), k, d);
                    if (!training) continue;
                    TensorPrimitives.Add(d, offset, d);
                    TensorPrimitives.Subtract(Run(x, n, c), mu, dev);
                    TensorPrimitives.MultiplyAdd(dev, devScale, d, d);
                }
            }
            BufferPool.Return(scratch);
        });
    }
}
