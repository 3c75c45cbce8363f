//! 68 landmarks (iBUG order) on a face crop: face-api's FaceLandmark68Net.
//!
//! Two crops feed it. `Crop::FaceApi` reproduces face-api's own preprocessing exactly (the box
//! floored and clipped, zero-padded to a square, resized to 112 without half-pixel centres): it
//! is what the parity tests compare against the reference runtime. `Crop::Upright` turns the
//! crop so the eyes are level first; the net was trained on upright faces. The analyzer places
//! that crop from the mesh (`MeshResult::landmarks_crop`), which keeps it the same on tilted
//! heads.

use candle_core::{Device, Module, Result, Tensor};
use candle_nn::VarBuilder;
use image::RgbImage;

use super::crop::{Affine, warp_rgb};
use super::nn::{Conv, Depthwise, Padding, hwc_to_nchw};
use crate::geometry::Face68;

pub const INPUT: usize = 112;
const MEAN_RGB: [f32; 3] = [122.782, 117.001, 104.298];

/// Depthwise 3×3 (no bias) then pointwise 1×1 with the bias, as tf.separableConv2d + add.
#[derive(Debug, Clone)]
struct SeparableConv {
    dw: Depthwise,
    pw: Conv,
}

impl SeparableConv {
    fn new(vb: VarBuilder, stride: usize) -> Result<Self> {
        let dw = Depthwise::new(vb.pp("dw"), stride, false)?;
        let weight = vb.get_unchecked_dtype("pw.weight", candle_core::DType::F32)?;
        let bias = vb.get(weight.dims()[0], "bias")?;
        Ok(Self {
            dw,
            pw: Conv::from_parts(weight, bias, 1, Padding::Valid)?,
        })
    }
}

impl Module for SeparableConv {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.pw.forward(&self.dw.forward(x)?)
    }
}

#[derive(Debug, Clone)]
enum FirstConv {
    Dense(Conv),
    Separable(SeparableConv),
}

/// A dense block: four convs, each fed the ReLU of the sum of all earlier outputs.
#[derive(Debug, Clone)]
struct DenseBlock {
    conv0: FirstConv,
    convs: [SeparableConv; 3],
}

impl DenseBlock {
    fn new(vb: VarBuilder, first: bool) -> Result<Self> {
        let conv0 = if first {
            FirstConv::Dense(Conv::new(vb.pp("conv0"), 2, Padding::Same)?)
        } else {
            FirstConv::Separable(SeparableConv::new(vb.pp("conv0"), 2)?)
        };
        Ok(Self {
            conv0,
            convs: [
                SeparableConv::new(vb.pp("conv1"), 1)?,
                SeparableConv::new(vb.pp("conv2"), 1)?,
                SeparableConv::new(vb.pp("conv3"), 1)?,
            ],
        })
    }
}

impl Module for DenseBlock {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let out1 = match &self.conv0 {
            FirstConv::Dense(c) => c.forward(x)?,
            FirstConv::Separable(c) => c.forward(x)?,
        }
        .relu()?;
        let mut sum = out1;
        for conv in &self.convs {
            let o = conv.forward(&sum.relu()?)?;
            sum = (sum + o)?;
        }
        sum.relu()
    }
}

/// FaceLandmark68Net: 4 dense blocks (56² → 7²), global average pool, FC 256 → 136.
#[derive(Debug, Clone)]
pub struct FaceLandmark68Net {
    dense: [DenseBlock; 4],
    fc_w: Tensor,
    fc_b: Tensor,
}

impl FaceLandmark68Net {
    pub fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            dense: [
                DenseBlock::new(vb.pp("dense0"), true)?,
                DenseBlock::new(vb.pp("dense1"), false)?,
                DenseBlock::new(vb.pp("dense2"), false)?,
                DenseBlock::new(vb.pp("dense3"), false)?,
            ],
            fc_w: vb.get((136, 256), "fc.weight")?,
            fc_b: vb.get(136, "fc.bias")?,
        })
    }

    /// `x`: N×3×112×112, mean-subtracted and divided by 255. Returns N×136 in [0, 1] of the crop.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for d in &self.dense {
            h = d.forward(&h)?;
        }
        let pooled = h.mean((2, 3))?;
        pooled.matmul(&self.fc_w.t()?)?.broadcast_add(&self.fc_b)
    }
}

/// How the face is cut out for the net.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Crop {
    /// face-api's preprocessing, bit for bit: the axis-aligned box (x, y, w, h), zero-padded
    /// to a square.
    FaceApi { bbox: [f32; 4] },
    /// A square of side `side` around `centre`, turned by `roll` so the eyes are level.
    Upright {
        centre: [f32; 2],
        side: f32,
        roll: f32,
    },
}

impl Crop {
    /// The upright crop for a detector box: the box's centre and longer side.
    pub fn upright_from_box(bbox: [f32; 4], roll: f32) -> Self {
        Crop::Upright {
            centre: [bbox[0] + bbox[2] / 2.0, bbox[1] + bbox[3] / 2.0],
            side: bbox[2].max(bbox[3]),
            roll,
        }
    }
}

/// Runs the net on crops of an image.
#[derive(Debug, Clone)]
pub struct Landmarks68 {
    net: FaceLandmark68Net,
    device: Device,
}

impl Landmarks68 {
    pub fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            device: vb.device().clone(),
            net: FaceLandmark68Net::new(vb)?,
        })
    }

    /// Raw 136 outputs for one HWC 112² crop with pixel values 0–255.
    pub fn run_raw(&self, crop_hwc: Vec<f32>) -> Result<Vec<f32>> {
        let mut px = crop_hwc;
        for (i, v) in px.iter_mut().enumerate() {
            *v = (*v - MEAN_RGB[i % 3]) / 255.0;
        }
        let x = hwc_to_nchw(px, INPUT, INPUT, &self.device)?;
        self.net.forward(&x)?.flatten_all()?.to_vec1::<f32>()
    }

    /// 68 (x, y) in image pixels for the face in `crop`.
    pub fn detect(&self, img: &RgbImage, crop: Crop) -> Result<Face68> {
        let points = match crop {
            Crop::FaceApi { bbox } => {
                let Some(c) = FaceApiCrop::new(img, bbox) else {
                    candle_core::bail!("face box {bbox:?} lies outside the image");
                };
                let raw = self.run_raw(c.pixels(img))?;
                c.to_image(&raw)
            }
            Crop::Upright { centre, side, roll } => {
                let map = Affine::rotated_square(centre[0], centre[1], side, roll, INPUT);
                let raw = self.run_raw(warp_rgb(img, &map, INPUT, INPUT))?;
                let n = INPUT as f32;
                raw.chunks_exact(2)
                    .map(|p| {
                        let (x, y) = map.apply(p[0] * n, p[1] * n);
                        [x, y]
                    })
                    .collect()
            }
        };
        Face68::try_from(points).map_err(|e| candle_core::Error::Msg(e.to_string()))
    }
}

/// face-api's crop: `Box.clipAtImageBorders(...).floor()`, `padToSquare(centred)`,
/// `resizeBilinear(112, alignCorners = false, halfPixelCenters = false)`.
#[derive(Clone, Copy, Debug)]
pub struct FaceApiCrop {
    x: usize,
    y: usize,
    w: usize,
    h: usize,
}

impl FaceApiCrop {
    pub fn new(img: &RgbImage, bbox: [f32; 4]) -> Option<Self> {
        let (iw, ih) = (img.width() as f32, img.height() as f32);
        let x = bbox[0].max(0.0);
        let y = bbox[1].max(0.0);
        let w = (bbox[0] + bbox[2]).min(iw) - x;
        let h = (bbox[1] + bbox[3]).min(ih) - y;
        let (x, y, w, h) = (x.floor(), y.floor(), w.floor(), h.floor());
        if !(w >= 1.0 && h >= 1.0 && x < iw && y < ih) {
            return None;
        }
        Some(Self {
            x: x as usize,
            y: y as usize,
            w: w as usize,
            h: h as usize,
        })
    }

    /// The 112² crop, HWC, 0–255.
    pub fn pixels(&self, img: &RgbImage) -> Vec<f32> {
        let d = self.w.max(self.h);
        let diff = self.w.abs_diff(self.h);
        let append = (diff as f64 * 0.5).round() as usize; // JS Math.round: .5 goes up
        let prepend = diff - append;
        let (px0, py0) = if self.h > self.w {
            (prepend, 0)
        } else {
            (0, prepend)
        };
        let src = |sx: usize, sy: usize, ch: usize| -> f32 {
            // (sx, sy) in the padded square.
            if sx < px0 || sy < py0 || sx >= px0 + self.w || sy >= py0 + self.h {
                return 0.0;
            }
            let p = img.get_pixel((self.x + sx - px0) as u32, (self.y + sy - py0) as u32);
            p.0[ch] as f32
        };
        let scale = d as f32 / INPUT as f32;
        let mut out = vec![0f32; INPUT * INPUT * 3];
        for oy in 0..INPUT {
            let fy = oy as f32 * scale;
            let y0 = fy.floor() as usize;
            let y1 = (y0 + 1).min(d - 1);
            let dy = fy - y0 as f32;
            for ox in 0..INPUT {
                let fx = ox as f32 * scale;
                let x0 = fx.floor() as usize;
                let x1 = (x0 + 1).min(d - 1);
                let dx = fx - x0 as f32;
                for ch in 0..3 {
                    let top = src(x0, y0, ch) + (src(x1, y0, ch) - src(x0, y0, ch)) * dx;
                    let bot = src(x0, y1, ch) + (src(x1, y1, ch) - src(x0, y1, ch)) * dx;
                    out[(oy * INPUT + ox) * 3 + ch] = top + (bot - top) * dy;
                }
            }
        }
        out
    }

    /// face-api's postProcess, then the crop's size and origin.
    pub fn to_image(&self, raw: &[f32]) -> Vec<[f32; 2]> {
        let n = INPUT as f32;
        let (w, h) = (self.w as f32, self.h as f32);
        let s = n / w.max(h);
        let (sw, sh) = (w * s, h * s);
        let pad_x = if sw < sh { (sw - sh).abs() / 2.0 } else { 0.0 };
        let pad_y = if sh < sw { (sw - sh).abs() / 2.0 } else { 0.0 };
        raw.chunks_exact(2)
            .map(|p| {
                [
                    (p[0] * n - pad_x) / sw * w + self.x as f32,
                    (p[1] * n - pad_y) / sh * h + self.y as f32,
                ]
            })
            .collect()
    }
}
