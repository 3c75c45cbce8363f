//! Changes of resolution: nearest upsampling by 2 (2-D, and 3-D on H and W only), 2×2 average
//! pooling (likewise), and pixel shuffle.

use candle_core::{Device, Result, Tensor};

/// Nearest-neighbour ×2 on H and W of an (N, C, H, W) or (N, C, D, H, W) tensor (depth kept).
pub fn upsample2x_nearest(x: &Tensor) -> Result<Tensor> {
    let dims = x.dims().to_vec();
    let (planes, h, w) = match *dims.as_slice() {
        [n, c, h, w] => (n * c, h, w),
        [n, c, d, h, w] => (n * c * d, h, w),
        _ => candle_core::bail!("upsample: rank {} input", x.rank()),
    };
    let mut shape = dims.clone();
    let r = shape.len();
    shape[r - 2] *= 2;
    shape[r - 1] *= 2;
    if !x.device().is_cpu() || super::generic_ops() {
        return x
            .reshape((planes, 1, h, w))?
            .upsample_nearest2d(2 * h, 2 * w)?
            .reshape(shape);
    }
    // On the CPU one parallel pass (candle's runs on one thread: 30 ms on the generator's
    // 128² → 256² step).
    let mut out = vec![0f32; planes * 4 * h * w];
    let dst = super::threads::SharedMut(out.as_mut_ptr());
    super::with_host(x, |src| {
        super::threads::for_each(planes, (planes * 4 * h * w) as f64 * 4.0, |p| {
            // SAFETY: plane p of the output is written by this task only.
            let o =
                unsafe { std::slice::from_raw_parts_mut(dst.ptr().add(p * 4 * h * w), 4 * h * w) };
            for (y, row) in src[p * h * w..(p + 1) * h * w].chunks_exact(w).enumerate() {
                let (top, rest) = o[2 * y * 2 * w..(2 * y + 2) * 2 * w].split_at_mut(2 * w);
                for (pair, &v) in top.chunks_exact_mut(2).zip(row) {
                    pair[0] = v;
                    pair[1] = v;
                }
                rest.copy_from_slice(top);
            }
        })
    })?;
    Tensor::from_vec(out, shape, &Device::Cpu)
}

/// 2×2 average pooling on H and W of an (N, C, H, W) or (N, C, D, H, W) tensor (depth kept).
pub fn avg_pool2x(x: &Tensor) -> Result<Tensor> {
    match x.rank() {
        4 => x.avg_pool2d(2),
        5 => {
            let (n, c, d, h, w) = x.dims5()?;
            x.reshape((n, c * d, h, w))?
                .avg_pool2d(2)?
                .reshape((n, c, d, h / 2, w / 2))
        }
        r => candle_core::bail!("avg pool: rank {r} input"),
    }
}
