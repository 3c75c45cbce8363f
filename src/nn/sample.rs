//! `grid_sample` as PyTorch defines it with `align_corners=False` and zero padding: trilinear on
//! (N, C, D, H, W) input with an (N, Do, Ho, Wo, 3) grid, bilinear on (N, C, H, W) input with an
//! (N, Ho, Wo, 2) grid. The grid's last axis is ordered (x, y, z) and normalised to [−1, 1];
//! coordinate x samples input position ((x + 1)·W − 1)/2, and corners outside the input
//! contribute zero.
//!
//! On the CPU a direct kernel (corner offsets and weights computed once per output point, then
//! every channel); elsewhere the same arithmetic from candle ops, with `gather` for the
//! corners, so CUDA and Metal run it too.

use candle_core::{DType, Device, Result, Tensor};

/// Unnormalise one coordinate the way PyTorch does (same operation order, same rounding).
#[inline(always)]
fn unnormalize(g: f32, size: usize) -> f32 {
    ((g + 1.0) * size as f32 - 1.0) / 2.0
}

/// Trilinear sampling of `input` (N, C, D, H, W) at `grid` (N, Do, Ho, Wo, 3).
pub fn grid_sample_3d(input: &Tensor, grid: &Tensor) -> Result<Tensor> {
    let (n, c, d, h, w) = input.dims5()?;
    let (gn, od, oh, ow, three) = grid.dims5()?;
    if gn != n || three != 3 {
        candle_core::bail!(
            "grid_sample: input {:?} and grid {:?} do not match",
            input.dims(),
            grid.dims()
        );
    }
    if input.device().is_cpu() && !super::generic_ops() {
        return sample_cpu(input, grid, [d, h, w], [od, oh, ow], c, n);
    }
    sample_generic(input, grid, [d, h, w], [od, oh, ow], c, n)
}

/// Bilinear sampling of `input` (N, C, H, W) at `grid` (N, Ho, Wo, 2).
pub fn grid_sample_2d(input: &Tensor, grid: &Tensor) -> Result<Tensor> {
    let (n, c, h, w) = input.dims4()?;
    let (gn, oh, ow, two) = grid.dims4()?;
    if gn != n || two != 2 {
        candle_core::bail!(
            "grid_sample: input {:?} and grid {:?} do not match",
            input.dims(),
            grid.dims()
        );
    }
    let y = if input.device().is_cpu() && !super::generic_ops() {
        sample_cpu(input, grid, [1, h, w], [1, oh, ow], c, n)?
    } else {
        sample_generic(input, grid, [1, h, w], [1, oh, ow], c, n)?
    };
    y.reshape((n, c, oh, ow))
}

/// Corner offsets (into one channel's D·H·W values) and weights of one sample point; a corner
/// outside the input has weight 0 and offset 0. 2-D sampling uses the first four (z0 plane).
fn corners(g: &[f32], [d, h, w]: [usize; 3]) -> ([usize; 8], [f32; 8]) {
    let ix = unnormalize(g[0], w);
    let iy = unnormalize(g[1], h);
    let iz = if g.len() > 2 {
        unnormalize(g[2], d)
    } else {
        0.0
    };
    let (x0, y0, z0) = (ix.floor(), iy.floor(), iz.floor());
    let (x1, y1, z1) = (x0 + 1.0, y0 + 1.0, z0 + 1.0);
    // PyTorch's order: t/b = z0/z1, n/s = y0/y1, w/e = x0/x1; weight of a corner = product of
    // distances to the opposite corner.
    let (wx0, wx1) = (x1 - ix, ix - x0);
    let (wy0, wy1) = (y1 - iy, iy - y0);
    let (wz0, wz1) = if g.len() > 2 {
        (z1 - iz, iz - z0)
    } else {
        (1.0, 0.0)
    };
    let mut off = [0usize; 8];
    let mut wt = [0f32; 8];
    let mut k = 0;
    for (zz, wz) in [(z0, wz0), (z1, wz1)] {
        for (yy, wy) in [(y0, wy0), (y1, wy1)] {
            for (xx, wx) in [(x0, wx0), (x1, wx1)] {
                let inside = xx >= 0.0
                    && yy >= 0.0
                    && zz >= 0.0
                    && (xx as usize) < w
                    && (yy as usize) < h
                    && (zz as usize) < d;
                if inside {
                    off[k] = ((zz as usize) * h + yy as usize) * w + xx as usize;
                    wt[k] = wx * wy * wz;
                }
                k += 1;
            }
        }
    }
    (off, wt)
}

fn sample_cpu(
    input: &Tensor,
    grid: &Tensor,
    in_size: [usize; 3],
    [od, oh, ow]: [usize; 3],
    c: usize,
    n: usize,
) -> Result<Tensor> {
    let src = input
        .to_dtype(DType::F32)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    let g = grid.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
    let dims = grid.dims();
    let coords = dims[dims.len() - 1];
    let vol = in_size.iter().product::<usize>();
    let p = od * oh * ow;
    let mut out = vec![0f32; n * c * p];
    let mut offs = vec![[0usize; 8]; p];
    let mut wts = vec![[0f32; 8]; p];
    for b in 0..n {
        for i in 0..p {
            let at = (b * p + i) * coords;
            let (o, w) = corners(&g[at..at + coords], in_size);
            offs[i] = o;
            wts[i] = w;
        }
        for ch in 0..c {
            let plane = &src[(b * c + ch) * vol..(b * c + ch + 1) * vol];
            let dst = &mut out[(b * c + ch) * p..(b * c + ch + 1) * p];
            for ((v, o), w) in dst.iter_mut().zip(&offs).zip(&wts) {
                let mut acc = 0f32;
                for k in 0..8 {
                    acc += plane[o[k]] * w[k];
                }
                *v = acc;
            }
        }
    }
    Tensor::from_vec(out, (n, c, od, oh, ow), &Device::Cpu)
}

pub(super) fn sample_generic(
    input: &Tensor,
    grid: &Tensor,
    [d, h, w]: [usize; 3],
    [od, oh, ow]: [usize; 3],
    c: usize,
    n: usize,
) -> Result<Tensor> {
    let dev = input.device();
    let p = od * oh * ow;
    let coords = grid.dims()[grid.rank() - 1];
    let g = grid.to_dtype(DType::F32)?.reshape((n, p, coords))?;
    let unnorm = |axis: usize, size: usize| -> Result<Tensor> {
        (((g.narrow(2, axis, 1)?.squeeze(2)? + 1.0)? * size as f64)? - 1.0)? / 2.0
    };
    let ix = unnorm(0, w)?;
    let iy = unnorm(1, h)?;
    let iz = if coords == 3 {
        Some(unnorm(2, d)?)
    } else {
        None
    };
    let src = input.to_dtype(DType::F32)?.reshape((n, c, d * h * w))?;
    let axis = |i: &Tensor, size: usize| -> Result<[(Tensor, Tensor, Tensor); 2]> {
        let i0 = i.floor()?;
        let i1 = (&i0 + 1.0)?;
        let w0 = (&i1 - i)?;
        let w1 = (i - &i0)?;
        let valid = |t: &Tensor| -> Result<Tensor> {
            t.ge(0f32)?
                .to_dtype(DType::F32)?
                .mul(&t.lt(size as f32)?.to_dtype(DType::F32)?)
        };
        let clamp = |t: &Tensor| t.clamp(0f32, (size - 1) as f32);
        Ok([
            (clamp(&i0)?, w0, valid(&i0)?),
            (clamp(&i1)?, w1, valid(&i1)?),
        ])
    };
    let xs = axis(&ix, w)?;
    let ys = axis(&iy, h)?;
    let zs = match &iz {
        Some(iz) => axis(iz, d)?.to_vec(),
        None => {
            let zero = Tensor::zeros((n, p), DType::F32, dev)?;
            let one = Tensor::ones((n, p), DType::F32, dev)?;
            vec![(zero, one.clone(), one)]
        }
    };
    let mut acc: Option<Tensor> = None;
    for (z, wz, vz) in &zs {
        for (y, wy, vy) in &ys {
            for (x, wx, vx) in &xs {
                let idx = ((z * (h * w) as f64)? + (y * w as f64)? + x)?
                    .to_dtype(DType::U32)?
                    .unsqueeze(1)?
                    .broadcast_as((n, c, p))?
                    .contiguous()?;
                let weight = (wx.mul(wy)?.mul(wz)? * vx.mul(vy)?.mul(vz)?)?.unsqueeze(1)?;
                let term = src.gather(&idx, 2)?.broadcast_mul(&weight)?;
                acc = Some(match acc {
                    None => term,
                    Some(a) => (a + term)?,
                });
            }
        }
    }
    acc.ok_or_else(|| candle_core::Error::Msg("grid_sample: no corners".into()))?
        .reshape((n, c, od, oh, ow))
}
