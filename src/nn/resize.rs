//! Changes of resolution: nearest upsampling by 2 (2-D, and 3-D on H and W only), 2×2 average
//! pooling (likewise), and pixel shuffle.

use candle_core::{Result, Tensor};

/// Nearest-neighbour ×2 on H and W of an (N, C, H, W) or (N, C, D, H, W) tensor (depth kept).
pub fn upsample2x_nearest(x: &Tensor) -> Result<Tensor> {
    match x.rank() {
        4 => {
            let (_, _, h, w) = x.dims4()?;
            x.upsample_nearest2d(2 * h, 2 * w)
        }
        5 => {
            let (n, c, d, h, w) = x.dims5()?;
            x.reshape((n, c * d, h, w))?
                .upsample_nearest2d(2 * h, 2 * w)?
                .reshape((n, c, d, 2 * h, 2 * w))
        }
        r => candle_core::bail!("upsample: rank {r} input"),
    }
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

/// PixelShuffle(r): out[c, r·y + i, r·x + j] = in[r²·c + r·i + j, y, x].
pub fn pixel_shuffle(x: &Tensor, r: usize) -> Result<Tensor> {
    let (n, c, h, w) = x.dims4()?;
    if c % (r * r) != 0 {
        candle_core::bail!("pixel shuffle by {r}: {c} channels");
    }
    let co = c / (r * r);
    x.reshape((n, co, r, r, h, w))?
        .permute((0, 1, 4, 2, 5, 3))?
        .reshape((n, co, h * r, w * r))
}
