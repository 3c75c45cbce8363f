//! Random tensors for LivePortrait's networks at any size: the weights `vivant models bench`
//! and the benchmarks run with when no real weights are given (none exist on our machines).

use candle_core::{DType, Device, Result, Shape, Tensor};

/// Random tensors for any name asked, shaped as asked; the few shapes the loaders read from
/// the weights (the motion backbone's widths and depths, SPADE's hidden width, the last
/// generator block) answer as the reference's full-size networks have them.
pub struct RandomWeights {
    pub dims: [usize; 4],
    pub depths: [usize; 4],
    pub spade_hidden: usize,
    pub last_block: usize,
}

fn stage_of(name: &str) -> Option<(usize, usize)> {
    let rest = name.split("stages.").nth(1)?;
    let mut it = rest.split('.');
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

impl candle_nn::var_builder::SimpleBackend for RandomWeights {
    fn get(
        &self,
        s: Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> Result<Tensor> {
        let dims = s.dims().to_vec();
        if name.ends_with("running_var") {
            return Tensor::rand(0.5f32, 1.5, s, dev)?.to_dtype(dtype);
        }
        if name.ends_with("norm.weight") || name.ends_with(".1.weight") && dims.len() == 1 {
            return Tensor::rand(0.8f32, 1.2, s, dev)?.to_dtype(dtype);
        }
        let fan_in = if dims.len() > 1 {
            dims[1..].iter().product::<usize>()
        } else {
            1
        };
        let std = if dims.len() > 1 {
            1.0 / (fan_in as f64).sqrt()
        } else {
            0.05
        };
        Tensor::randn(0f32, std as f32, s, dev)?.to_dtype(dtype)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> Result<Tensor> {
        let shape: Vec<usize> = if name.ends_with("downsample_layers.0.0.weight") {
            vec![self.dims[0], 3, 4, 4]
        } else if let Some(i) =
            (1..4).find(|i| name.ends_with(&format!("downsample_layers.{i}.1.weight")))
        {
            vec![self.dims[i], self.dims[i - 1], 2, 2]
        } else if name.ends_with("dwconv.weight") {
            let (i, _) = stage_of(name).ok_or_else(|| candle_core::Error::Msg(name.into()))?;
            vec![self.dims[i], 1, 7, 7]
        } else if name.ends_with("mlp_shared.0.weight") {
            vec![self.spade_hidden, 1, 3, 3]
        } else if name.ends_with("up_1.conv_1.weight") {
            vec![self.last_block, 1, 3, 3]
        } else {
            candle_core::bail!("no shape known for {name}")
        };
        self.get(shape.into(), name, candle_nn::Init::Const(0.0), dtype, dev)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        match stage_of(name) {
            Some((i, j)) => i < 4 && j < self.depths[i],
            None => true,
        }
    }
}

impl RandomWeights {
    /// The reference's full-size networks.
    pub fn full() -> Self {
        Self {
            dims: [96, 192, 384, 768],
            depths: [3, 3, 9, 3],
            spade_hidden: 128,
            last_block: 64,
        }
    }
}
