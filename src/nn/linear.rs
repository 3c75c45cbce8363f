//! A fully connected layer (PyTorch `nn.Linear`: weight (out, in), bias (out)), applied to the
//! last axis of any tensor. On the CPU one GEMM through the shared pool when it is large (the
//! motion extractor's pointwise layers are most of its work); elsewhere candle-nn's `Linear`.

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::VarBuilder;

use super::threads;

#[derive(Clone, Debug)]
enum Weights {
    /// Wᵀ (in × out), row-major, and the bias.
    Host(Vec<f32>, Vec<f32>),
    Candle(candle_nn::Linear),
}

#[derive(Clone, Debug)]
pub struct Linear {
    weights: Weights,
    dims: (usize, usize),
}

impl Linear {
    /// `in_dim → out_dim` from `vb` ("weight", "bias"), checking the shapes.
    pub fn load(vb: &VarBuilder, in_dim: usize, out_dim: usize) -> Result<Self> {
        let w = vb.get((out_dim, in_dim), "weight")?;
        let b = vb.get(out_dim, "bias")?;
        Self::new(&w, &b)
    }

    pub fn new(weight: &Tensor, bias: &Tensor) -> Result<Self> {
        let (out_dim, in_dim) = weight.dims2()?;
        let weight = weight.to_dtype(DType::F32)?;
        let bias = bias.to_dtype(DType::F32)?;
        let weights = if weight.device().is_cpu() && !super::generic_ops() {
            let wt = weight.t()?.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
            Weights::Host(wt, bias.to_vec1::<f32>()?)
        } else {
            Weights::Candle(candle_nn::Linear::new(weight, Some(bias)))
        };
        Ok(Self {
            weights,
            dims: (in_dim, out_dim),
        })
    }

    pub fn out_dim(&self) -> usize {
        self.dims.1
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (k, n_out) = self.dims;
        let shape = x.dims().to_vec();
        if shape.last() != Some(&k) {
            candle_core::bail!("linear layer expects last axis {k}, got shape {shape:?}");
        }
        match &self.weights {
            Weights::Candle(linear) => {
                // Any rank: the leading axes as rows, as PyTorch's `nn.Linear` takes them.
                let m = x.elem_count() / k;
                let y = candle_nn::Module::forward(linear, &x.reshape((m, k))?)?;
                let mut out = shape;
                let last = out.len() - 1;
                out[last] = n_out;
                y.reshape(out)
            }
            Weights::Host(wt, bias) => {
                let m = x.elem_count() / k;
                let src = x.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
                let mut out = vec![0f32; m * n_out];
                for row in out.chunks_exact_mut(n_out) {
                    row.copy_from_slice(bias);
                }
                let flops = 2.0 * (m * k * n_out) as f64;
                let dst = out.as_mut_ptr() as usize;
                // SAFETY: src is M×K, Wᵀ K×N, out M×N (already holding the bias, added to by
                // read_dst), all row-major.
                threads::install(flops, |par| unsafe {
                    gemm::gemm(
                        m,
                        n_out,
                        k,
                        dst as *mut f32,
                        1,
                        n_out as isize,
                        true,
                        src.as_ptr(),
                        1,
                        k as isize,
                        wt.as_ptr(),
                        1,
                        n_out as isize,
                        1.0,
                        1.0,
                        false,
                        false,
                        false,
                        threads::gemm_parallelism(par),
                    )
                });
                let mut shape = shape;
                let last = shape.len() - 1;
                shape[last] = n_out;
                Tensor::from_vec(out, shape, &Device::Cpu)
            }
        }
    }
}
