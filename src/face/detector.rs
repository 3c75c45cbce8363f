//! Face detection on the whole image: MediaPipe's BlazeFace short-range detector.
//!
//! The image is letterboxed into 128×128 (aspect kept, black bars), the network scores 896
//! anchors and regresses a box and 6 keypoints for each; boxes above the score threshold are
//! merged by weighted non-maximum suppression and mapped back through the letterbox.

use candle_core::{D, Device, Module, Result, Tensor};
use candle_nn::VarBuilder;
use image::RgbImage;

use super::crop::{Affine, warp_rgb};
use super::nn::{Conv, Padding, ResidualBlock, hwc_to_nchw};

pub const INPUT: usize = 128;
const STRIDES: [usize; 16] = [1, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1];
/// Blocks before the 16×16 heads (the rest run at 8×8).
const BLOCKS_16: usize = 11;
pub const NUM_ANCHORS: usize = 896;

/// A detected face in image pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// x, y, width, height.
    pub bbox: [f32; 4],
    pub score: f32,
    /// Right eye, left eye (the subject's), nose tip, mouth centre, right ear, left ear.
    pub keypoints: [[f32; 2]; 6],
}

impl Detection {
    /// Angle of the line from the subject's right eye to their left eye, radians (0 = upright).
    pub fn roll(&self) -> f32 {
        let [r, l] = [self.keypoints[0], self.keypoints[1]];
        (l[1] - r[1]).atan2(l[0] - r[0])
    }

    fn iou(&self, o: &Detection) -> f32 {
        let [ax, ay, aw, ah] = self.bbox;
        let [bx, by, bw, bh] = o.bbox;
        let ix = ((ax + aw).min(bx + bw) - ax.max(bx)).max(0.0);
        let iy = ((ay + ah).min(by + bh) - ay.max(by)).max(0.0);
        let inter = ix * iy;
        let union = aw * ah + bw * bh - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

/// The BlazeFace network: raw outputs per anchor.
#[derive(Debug, Clone)]
pub struct BlazeFace {
    stem: Conv,
    blocks: Vec<ResidualBlock>,
    scores16: Conv,
    boxes16: Conv,
    scores8: Conv,
    boxes8: Conv,
}

impl BlazeFace {
    pub fn new(vb: VarBuilder) -> Result<Self> {
        let stem = Conv::new(vb.pp("stem"), 2, Padding::Same)?;
        let blocks = STRIDES
            .iter()
            .enumerate()
            .map(|(i, &s)| ResidualBlock::new(vb.pp(format!("blocks.{i}")), s, false))
            .collect::<Result<Vec<_>>>()?;
        let head = |name: &str| Conv::new(vb.pp(name), 1, Padding::Same);
        Ok(Self {
            stem,
            blocks,
            scores16: head("head_scores_16")?,
            boxes16: head("head_boxes_16")?,
            scores8: head("head_scores_8")?,
            boxes8: head("head_boxes_8")?,
        })
    }

    /// `x`: N×3×128×128 in [-1, 1]. Returns (regressors N×896×16, score logits N×896).
    pub fn forward(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let mut h = self.stem.forward(x)?.relu()?;
        for b in &self.blocks[..BLOCKS_16] {
            h = b.forward(&h)?;
        }
        let h16 = h.clone();
        for b in &self.blocks[BLOCKS_16..] {
            h = b.forward(&h)?;
        }
        // NCHW → NHWC so anchors run row by row, as the anchors are generated.
        let flat = |t: Tensor, per: usize| -> Result<Tensor> {
            let n = t.dims()[0];
            t.permute((0, 2, 3, 1))?.contiguous()?.reshape((n, (), per))
        };
        let boxes = Tensor::cat(
            &[
                flat(self.boxes16.forward(&h16)?, 16)?,
                flat(self.boxes8.forward(&h)?, 16)?,
            ],
            1,
        )?;
        let scores = Tensor::cat(
            &[
                flat(self.scores16.forward(&h16)?, 1)?,
                flat(self.scores8.forward(&h)?, 1)?,
            ],
            1,
        )?
        .squeeze(D::Minus1)?;
        Ok((boxes, scores))
    }
}

/// Anchor centres in [0, 1]: 16×16 cells × 2, then 8×8 cells × 6.
pub fn anchors() -> Vec<[f32; 2]> {
    let mut a = Vec::with_capacity(NUM_ANCHORS);
    for (grid, per) in [(16usize, 2usize), (8, 6)] {
        for y in 0..grid {
            for x in 0..grid {
                for _ in 0..per {
                    a.push([
                        (x as f32 + 0.5) / grid as f32,
                        (y as f32 + 0.5) / grid as f32,
                    ]);
                }
            }
        }
    }
    a
}

/// The letterbox: the 128² input square ↔ a square of the image's longer side, centred.
pub fn letterbox(width: u32, height: u32) -> Affine {
    let side = width.max(height) as f32;
    Affine::rotated_square(width as f32 / 2.0, height as f32 / 2.0, side, 0.0, INPUT)
}

/// Image → network input for one square window (`map` from the 128² input to the image),
/// HWC in [-1, 1].
pub fn preprocess(img: &RgbImage, map: &Affine) -> Vec<f32> {
    let mut px = warp_rgb(img, map, INPUT, INPUT);
    for v in &mut px {
        *v = *v / 127.5 - 1.0;
    }
    px
}

/// Decode raw outputs (one image) into detections in image pixels, merged by weighted NMS.
pub fn decode(
    regressors: &[f32],
    logits: &[f32],
    anchors: &[[f32; 2]],
    map: &Affine,
    min_score: f32,
    iou_threshold: f32,
) -> Vec<Detection> {
    let scale = INPUT as f32;
    let to_image = |nx: f32, ny: f32| {
        let (x, y) = map.apply(nx * scale, ny * scale);
        [x, y]
    };
    let mut cands: Vec<Detection> = Vec::new();
    for (i, anchor) in anchors.iter().enumerate() {
        let score = 1.0 / (1.0 + (-logits[i].clamp(-100.0, 100.0)).exp());
        if score < min_score {
            continue;
        }
        let r = &regressors[i * 16..(i + 1) * 16];
        let (cx, cy) = (r[0] / scale + anchor[0], r[1] / scale + anchor[1]);
        let (w, h) = (r[2] / scale, r[3] / scale);
        let tl = to_image(cx - w / 2.0, cy - h / 2.0);
        let br = to_image(cx + w / 2.0, cy + h / 2.0);
        let mut keypoints = [[0f32; 2]; 6];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = to_image(
                r[4 + 2 * k] / scale + anchor[0],
                r[5 + 2 * k] / scale + anchor[1],
            );
        }
        if !(br[0] > tl[0] && br[1] > tl[1]) {
            continue;
        }
        cands.push(Detection {
            bbox: [tl[0], tl[1], br[0] - tl[0], br[1] - tl[1]],
            score,
            keypoints,
        });
    }
    weighted_nms(cands, iou_threshold)
}

/// MediaPipe's weighted NMS: each kept face is the score-weighted mean of the candidates that
/// overlap the best remaining one, which steadies boxes compared to plain NMS.
pub fn weighted_nms(mut cands: Vec<Detection>, iou_threshold: f32) -> Vec<Detection> {
    cands.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while !cands.is_empty() {
        let best = cands[0].clone();
        let (group, rest): (Vec<_>, Vec<_>) = cands
            .into_iter()
            .partition(|c| best.iou(c) > iou_threshold || *c == best);
        cands = rest;
        let total: f32 = group.iter().map(|c| c.score).sum();
        let mut merged = Detection {
            bbox: [0.0; 4],
            score: best.score,
            keypoints: [[0.0; 2]; 6],
        };
        for c in &group {
            let w = c.score / total;
            for (m, v) in merged.bbox.iter_mut().zip(c.bbox) {
                *m += w * v;
            }
            for (mk, ck) in merged.keypoints.iter_mut().zip(c.keypoints) {
                mk[0] += w * ck[0];
                mk[1] += w * ck[1];
            }
        }
        out.push(merged);
    }
    out
}

/// Detector: the network plus its anchors, ready to run on images.
#[derive(Debug, Clone)]
pub struct FaceDetector {
    net: BlazeFace,
    anchors: Vec<[f32; 2]>,
    device: Device,
    pub min_score: f32,
    pub iou_threshold: f32,
}

impl FaceDetector {
    pub fn new(vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            device: vb.device().clone(),
            net: BlazeFace::new(vb)?,
            anchors: anchors(),
            min_score: 0.5,
            iou_threshold: 0.3,
        })
    }

    /// Raw (regressors, logits) for one preprocessed HWC input.
    pub fn run_raw(&self, input_hwc: Vec<f32>) -> Result<(Vec<f32>, Vec<f32>)> {
        let x = hwc_to_nchw(input_hwc, INPUT, INPUT, &self.device)?;
        let (boxes, scores) = self.net.forward(&x)?;
        Ok((
            boxes.flatten_all()?.to_vec1::<f32>()?,
            scores.flatten_all()?.to_vec1::<f32>()?,
        ))
    }

    /// Every face in the image, highest score first (one pass over the whole image).
    pub fn detect(&self, img: &RgbImage) -> Result<Vec<Detection>> {
        let map = letterbox(img.width(), img.height());
        self.detect_in(img, &map)
    }

    /// Faces in one square window of the image (`map` from the 128² input to the image).
    pub fn detect_in(&self, img: &RgbImage, map: &Affine) -> Result<Vec<Detection>> {
        let (reg, logits) = self.run_raw(preprocess(img, map))?;
        Ok(decode(
            &reg,
            &logits,
            &self.anchors,
            map,
            self.min_score,
            self.iou_threshold,
        ))
    }

    /// Like [`detect`](Self::detect), plus half-size overlapping windows so faces under ~1/8 of
    /// the image's longer side (group photos, a small face in a large painting) are found too.
    /// The short-range model misses faces below ~15 px of its 128² input.
    pub fn detect_multiscale(&self, img: &RgbImage) -> Result<Vec<Detection>> {
        let (w, h) = (img.width() as f32, img.height() as f32);
        let mut all = self.detect(img)?;
        let tile = w.max(h) / 2.0;
        if tile >= 64.0 {
            let starts = |len: f32| -> Vec<f32> {
                if len <= tile {
                    return vec![(len - tile) / 2.0];
                }
                // Windows overlap by a quarter: any face under a quarter of a window (the ones
                // the whole-image pass can miss) lies wholly inside one of them.
                let n = ((len - tile) / (tile * 0.75)).ceil() as usize + 1;
                (0..n)
                    .map(|i| i as f32 * (len - tile) / (n - 1) as f32)
                    .collect()
            };
            for y0 in starts(h) {
                for x0 in starts(w) {
                    let map =
                        Affine::rotated_square(x0 + tile / 2.0, y0 + tile / 2.0, tile, 0.0, INPUT);
                    // A face cut by an inner window edge is partial: the pass that sees it
                    // whole reports it instead.
                    let margin = tile * 0.02;
                    all.extend(self.detect_in(img, &map)?.into_iter().filter(|d| {
                        let [bx, by, bw, bh] = d.bbox;
                        let cut_l = x0 > 0.0 && bx < x0 + margin;
                        let cut_t = y0 > 0.0 && by < y0 + margin;
                        let cut_r = x0 + tile < w && bx + bw > x0 + tile - margin;
                        let cut_b = y0 + tile < h && by + bh > y0 + tile - margin;
                        !(cut_l || cut_t || cut_r || cut_b)
                    }));
                }
            }
        }
        Ok(weighted_nms(all, self.iou_threshold))
    }
}
