//! The dense face mesh: MediaPipe's 468-point face landmark network, and its mapping to the
//! 68 iBUG points.
//!
//! The crop (region of interest) is a square 1.5× the detector box's longer side, centred on
//! the box and rotated so the eyes are level; the network returns 468 (x, y, z) in crop pixels
//! and a face-present logit.

use candle_core::{Device, Module, Result, Tensor};
use candle_nn::VarBuilder;
use image::RgbImage;

use super::crop::{Affine, warp_rgb};
use super::nn::{Conv, PRelu, Padding, ResidualBlock, hwc_to_nchw};

pub const INPUT: usize = 192;
pub const POINTS: usize = 468;
/// How much larger than the detector box the crop is.
pub const ROI_SCALE: f32 = 1.5;
const BACKBONE_STRIDES: [usize; 14] = [1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1];

/// Mesh index of each iBUG-68 point (jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67).
pub const MESH_TO_68: [usize; 68] = [
    162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389, 71, 63, 105,
    66, 107, 336, 296, 334, 293, 301, 168, 197, 5, 4, 75, 97, 2, 326, 305, 33, 160, 158, 133, 153,
    144, 362, 385, 387, 263, 373, 380, 61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82,
    13, 312, 308, 317, 14, 87,
];

/// A 1×1 conv + PReLU that narrows a branch (128 → 32 channels).
#[derive(Debug, Clone)]
struct ConvPRelu {
    conv: Conv,
    act: PRelu,
}

impl ConvPRelu {
    fn new(vb: VarBuilder, stride: usize) -> Result<Self> {
        Ok(Self {
            conv: Conv::new(vb.clone(), stride, Padding::Same)?,
            act: PRelu::new(vb.pp("prelu"))?,
        })
    }
}

impl Module for ConvPRelu {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.act.forward(&self.conv.forward(x)?)
    }
}

#[derive(Debug, Clone)]
enum Layer {
    Block(ResidualBlock),
    Narrow(ConvPRelu),
}

impl Module for Layer {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Layer::Block(b) => b.forward(x),
            Layer::Narrow(c) => c.forward(x),
        }
    }
}

/// One output branch: residual blocks and a narrowing conv, then a 3×3 VALID head on 3×3.
#[derive(Debug, Clone)]
struct Branch {
    layers: Vec<Layer>,
    head: Conv,
}

impl Branch {
    /// `kinds`: 'b' residual block (stride 2 when first), 'c' conv+PReLU; the head comes last.
    fn new(vb: VarBuilder, kinds: &str) -> Result<Self> {
        let mut layers = Vec::new();
        for (i, k) in kinds.chars().enumerate() {
            let stride = if i == 0 { 2 } else { 1 };
            let v = vb.pp(i.to_string());
            layers.push(match k {
                'b' => Layer::Block(ResidualBlock::new(v, stride, true)?),
                _ => Layer::Narrow(ConvPRelu::new(v, 1)?),
            });
        }
        let head = Conv::new(vb.pp(kinds.len().to_string()), 1, Padding::Valid)?;
        Ok(Self { layers, head })
    }
}

impl Module for Branch {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for l in &self.layers {
            h = l.forward(&h)?;
        }
        self.head.forward(&h)
    }
}

/// The face mesh network.
#[derive(Debug, Clone)]
pub struct FaceMeshNet {
    stem: ConvPRelu,
    backbone: Vec<ResidualBlock>,
    mesh: Branch,
    flag: Branch,
}

impl FaceMeshNet {
    pub fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            stem: ConvPRelu::new(vb.pp("stem"), 2)?,
            backbone: BACKBONE_STRIDES
                .iter()
                .enumerate()
                .map(|(i, &s)| ResidualBlock::new(vb.pp(format!("backbone.{i}")), s, true))
                .collect::<Result<_>>()?,
            mesh: Branch::new(vb.pp("mesh"), "bbbcb")?,
            flag: Branch::new(vb.pp("flag"), "bcb")?,
        })
    }

    /// `x`: N×3×192×192 in [0, 1]. Returns (N×1404 mesh in crop pixels, N face-present logits).
    pub fn forward(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let mut h = self.stem.forward(x)?;
        for b in &self.backbone {
            h = b.forward(&h)?;
        }
        let n = x.dims()[0];
        let mesh = self.mesh.forward(&h)?.reshape((n, POINTS * 3))?;
        let flag = self.flag.forward(&h)?.reshape(n)?;
        Ok((mesh, flag))
    }
}

/// The mesh of one face in image pixels.
#[derive(Clone, Debug)]
pub struct MeshResult {
    /// 468 × (x, y, z); z in pixels of the image scale, negative towards the camera.
    pub points: Vec<[f32; 3]>,
    /// Probability that the crop holds a face.
    pub presence: f32,
}

impl MeshResult {
    /// The subject's roll from the mesh's outer eye corners (more exact than the detector's
    /// eye keypoints).
    pub fn roll(&self) -> f32 {
        let (r, l) = (self.points[33], self.points[263]);
        (l[1] - r[1]).atan2(l[0] - r[0])
    }

    /// The crop for the 68-point net, from the mesh: turned by the mesh's roll, sized and
    /// centred on its 68 points in that upright frame. Calibrated so that on upright faces it
    /// matches the detector-box crop the net expects (box side ≈ 1.08 × the points' extent,
    /// box centre ≈ 5 % of it above theirs); unlike the box, it does not grow with head tilt.
    pub fn landmarks_crop(&self) -> super::landmarks68::Crop {
        let roll = self.roll();
        let (s, c) = roll.sin_cos();
        // Into the upright frame: rotate by −roll.
        let up = |p: [f32; 3]| [c * p[0] + s * p[1], -s * p[0] + c * p[1]];
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for &i in &MESH_TO_68 {
            let q = up(self.points[i]);
            for k in 0..2 {
                lo[k] = lo[k].min(q[k]);
                hi[k] = hi[k].max(q[k]);
            }
        }
        let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]);
        let (ux, uy) = ((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0 - 0.05 * extent);
        super::landmarks68::Crop::Upright {
            centre: [c * ux - s * uy, s * ux + c * uy],
            side: 1.08 * extent,
            roll,
        }
    }

    /// The crop for this face in the next video frame (MediaPipe's tracking rule): turned by
    /// the mesh's roll, centred on its points, side 1.5 × their extent in that upright frame.
    pub fn tracking_roi(&self) -> Affine {
        let roll = self.roll();
        let (s, c) = roll.sin_cos();
        let up = |p: [f32; 3]| [c * p[0] + s * p[1], -s * p[0] + c * p[1]];
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for &p in &self.points {
            let q = up(p);
            for k in 0..2 {
                lo[k] = lo[k].min(q[k]);
                hi[k] = hi[k].max(q[k]);
            }
        }
        let side = (hi[0] - lo[0]).max(hi[1] - lo[1]) * ROI_SCALE;
        let (ux, uy) = ((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0);
        Affine::rotated_square(c * ux - s * uy, s * ux + c * uy, side, roll, INPUT)
    }

    /// The 68 iBUG points taken from the mesh.
    pub fn to_68(&self) -> crate::geometry::Face68 {
        MESH_TO_68
            .map(|i| self.points.get(i).map_or([0.0, 0.0], |p| [p[0], p[1]]))
            .into()
    }
}

/// The crop for a detector box and eye roll.
pub fn roi(bbox: [f32; 4], roll: f32) -> Affine {
    let side = bbox[2].max(bbox[3]) * ROI_SCALE;
    Affine::rotated_square(
        bbox[0] + bbox[2] / 2.0,
        bbox[1] + bbox[3] / 2.0,
        side,
        roll,
        INPUT,
    )
}

#[derive(Debug, Clone)]
pub struct FaceMesh {
    net: FaceMeshNet,
    device: Device,
}

impl FaceMesh {
    pub fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            device: vb.device().clone(),
            net: FaceMeshNet::new(vb)?,
        })
    }

    /// Raw (1404 mesh values, presence logit) for one HWC 192² crop with values 0–255.
    pub fn run_raw(&self, crop_hwc: Vec<f32>) -> Result<(Vec<f32>, f32)> {
        let px: Vec<f32> = crop_hwc.into_iter().map(|v| v / 255.0).collect();
        let x = hwc_to_nchw(px, INPUT, INPUT, &self.device)?;
        let (mesh, flag) = self.net.forward(&x)?;
        Ok((
            mesh.flatten_all()?.to_vec1::<f32>()?,
            flag.flatten_all()?.to_vec1::<f32>()?[0],
        ))
    }

    /// The mesh for the face in the crop `map` (see [`roi`]).
    pub fn detect(&self, img: &RgbImage, map: &Affine) -> Result<MeshResult> {
        let (raw, logit) = self.run_raw(warp_rgb(img, map, INPUT, INPUT))?;
        let z_scale = map.scale();
        let points = raw
            .chunks_exact(3)
            .map(|p| {
                let (x, y) = map.apply(p[0], p[1]);
                [x, y, p[2] * z_scale]
            })
            .collect();
        Ok(MeshResult {
            points,
            presence: 1.0 / (1.0 + (-logit).exp()),
        })
    }
}
