//! The keypoint arithmetic around the networks, in f32 as the reference computes it: head-pose
//! bins → degrees, the rotation matrix, transformed keypoints x = s·(kp·R + exp) + t, relative
//! motion from a driving clip, the expression-friendly motion multiplier, and applying the
//! stitching and retargeting MLPs' outputs. Keypoints are K rows of (x, y, z) in the feature
//! volume's normalised coordinates; matrices act on row vectors (kp · R).

use super::motion::MotionOutput;

pub type Keypoints = Vec<[f32; 3]>;
pub type Mat3 = [[f32; 3]; 3];

/// M's outputs for one image after the reference's `get_kp_info`: angles in degrees.
#[derive(Clone, Debug, PartialEq)]
pub struct KpInfo {
    pub pitch: f32,
    pub yaw: f32,
    pub roll: f32,
    pub t: [f32; 3],
    pub exp: Keypoints,
    pub scale: f32,
    pub kp: Keypoints,
}

/// Expected bin of a softmax over 66 head-pose bins, in degrees: Σ pᵢ·i · 3 − 97.5.
pub fn headpose_degrees(logits: &[f32]) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    let expected: f32 = exps
        .iter()
        .enumerate()
        .map(|(i, e)| (e / sum) * i as f32)
        .sum();
    expected * 3.0 - 97.5
}

/// Flat keypoint-major values [x0, y0, z0, x1, …] as rows.
pub fn rows(flat: &[f32]) -> Keypoints {
    flat.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect()
}

impl KpInfo {
    /// One `KpInfo` per batch row of M's outputs.
    pub fn from_output(out: &MotionOutput) -> candle_core::Result<Vec<KpInfo>> {
        let get = |t: &candle_core::Tensor| t.to_dtype(candle_core::DType::F32)?.to_vec2::<f32>();
        let (pitch, yaw, roll) = (get(&out.pitch)?, get(&out.yaw)?, get(&out.roll)?);
        let (t, exp, scale, kp) = (
            get(&out.t)?,
            get(&out.exp)?,
            get(&out.scale)?,
            get(&out.kp)?,
        );
        Ok((0..kp.len())
            .map(|b| KpInfo {
                pitch: headpose_degrees(&pitch[b]),
                yaw: headpose_degrees(&yaw[b]),
                roll: headpose_degrees(&roll[b]),
                t: [t[b][0], t[b][1], t[b][2]],
                exp: rows(&exp[b]),
                scale: scale[b][0],
                kp: rows(&kp[b]),
            })
            .collect())
    }

    pub fn rotation(&self) -> Mat3 {
        rotation(self.pitch, self.yaw, self.roll)
    }

    /// x = (kp · R + exp) · scale, then x and y shifted by t (z is never translated).
    pub fn transformed(&self) -> Keypoints {
        let r = self.rotation();
        mul_rows(&self.kp, &r)
            .iter()
            .zip(&self.exp)
            .map(|(p, e)| {
                let mut v = [
                    (p[0] + e[0]) * self.scale,
                    (p[1] + e[1]) * self.scale,
                    (p[2] + e[2]) * self.scale,
                ];
                v[0] += self.t[0];
                v[1] += self.t[1];
                v
            })
            .collect()
    }
}

pub fn matmul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut m = [[0f32; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
        }
    }
    m
}

pub fn transpose(a: &Mat3) -> Mat3 {
    let mut m = [[0f32; 3]; 3];
    for (i, row) in a.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            m[j][i] = *v;
        }
    }
    m
}

/// Row vectors times a matrix: each p ↦ p · R.
pub fn mul_rows(p: &[[f32; 3]], r: &Mat3) -> Keypoints {
    p.iter()
        .map(|v| {
            [
                v[0] * r[0][0] + v[1] * r[1][0] + v[2] * r[2][0],
                v[0] * r[0][1] + v[1] * r[1][1] + v[2] * r[2][1],
                v[0] * r[0][2] + v[1] * r[1][2] + v[2] * r[2][2],
            ]
        })
        .collect()
}

/// R = (Rz(roll) · Ry(yaw) · Rx(pitch))ᵀ from degrees, for row vectors.
pub fn rotation(pitch: f32, yaw: f32, roll: f32) -> Mat3 {
    // The reference divides by 180, then multiplies by π rounded to f32.
    let rad = |deg: f32| deg / 180.0 * std::f32::consts::PI;
    let (x, y, z) = (rad(pitch), rad(yaw), rad(roll));
    let rx = [
        [1.0, 0.0, 0.0],
        [0.0, x.cos(), -x.sin()],
        [0.0, x.sin(), x.cos()],
    ];
    let ry = [
        [y.cos(), 0.0, y.sin()],
        [0.0, 1.0, 0.0],
        [-y.sin(), 0.0, y.cos()],
    ];
    let rz = [
        [z.cos(), -z.sin(), 0.0],
        [z.sin(), z.cos(), 0.0],
        [0.0, 0.0, 1.0],
    ];
    transpose(&matmul(&matmul(&rz, &ry), &rx))
}

/// The driven motion of one frame, relative to the clip's reference frame (its first).
#[derive(Clone, Debug, PartialEq)]
pub struct RelativeMotion {
    pub rotation: Mat3,
    pub exp: Keypoints,
    pub scale: f32,
    pub t: [f32; 3],
    /// x_d = scale · (kp_s · R + exp) + t.
    pub x_d: Keypoints,
}

/// The reference's relative motion: the source keeps its own pose and expression and takes on
/// the driving frame's change since the reference frame.
/// R = (R_d · R_d0ᵀ) · R_s, exp = exp_s + (exp_d − exp_d0), scale = s_s · (s_d / s_d0),
/// t = t_s + (t_d − t_d0) with t_z = 0.
pub fn relative_motion(source: &KpInfo, reference: &KpInfo, driving: &KpInfo) -> RelativeMotion {
    let (r_s, r_0, r_d) = (source.rotation(), reference.rotation(), driving.rotation());
    let rotation = matmul(&matmul(&r_d, &transpose(&r_0)), &r_s);
    let exp: Keypoints = source
        .exp
        .iter()
        .zip(&driving.exp)
        .zip(&reference.exp)
        .map(|((s, d), r)| {
            [
                s[0] + (d[0] - r[0]),
                s[1] + (d[1] - r[1]),
                s[2] + (d[2] - r[2]),
            ]
        })
        .collect();
    let scale = source.scale * (driving.scale / reference.scale);
    let mut t = [0f32; 3];
    for (i, v) in t.iter_mut().enumerate() {
        *v = source.t[i] + (driving.t[i] - reference.t[i]);
    }
    t[2] = 0.0;
    let x_d = mul_rows(&source.kp, &rotation)
        .iter()
        .zip(&exp)
        .map(|(p, e)| {
            [
                scale * (p[0] + e[0]) + t[0],
                scale * (p[1] + e[1]) + t[1],
                scale * (p[2] + e[2]) + t[2],
            ]
        })
        .collect();
    RelativeMotion {
        rotation,
        exp,
        scale,
        t,
        x_d,
    }
}

/// Volume of the convex hull of the points (float64), as scipy's ConvexHull reports it.
///
/// K is small (21), so every triple of points whose plane has all others on one side is a
/// hull facet; the volume is the sum of the tetrahedra from the centroid to those facets.
/// (Four or more exactly coplanar hull points would be counted twice; keypoints from a
/// network never are.)
pub fn hull_volume(points: &[[f32; 3]]) -> f64 {
    let p: Vec<[f64; 3]> = points
        .iter()
        .map(|v| [v[0] as f64, v[1] as f64, v[2] as f64])
        .collect();
    let n = p.len();
    if n < 4 {
        return 0.0;
    }
    let sub = |a: [f64; 3], b: [f64; 3]| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let cross = |a: [f64; 3], b: [f64; 3]| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    let mut c = [0f64; 3];
    for v in &p {
        for i in 0..3 {
            c[i] += v[i] / n as f64;
        }
    }
    let scale = p
        .iter()
        .map(|v| dot(sub(*v, c), sub(*v, c)).sqrt())
        .fold(0.0, f64::max);
    let eps = 1e-12 * scale.powi(3).max(f64::MIN_POSITIVE);
    let mut volume = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let normal = cross(sub(p[j], p[i]), sub(p[k], p[i]));
                let (mut pos, mut neg) = (false, false);
                for (m, v) in p.iter().enumerate() {
                    if m == i || m == j || m == k {
                        continue;
                    }
                    let s = dot(normal, sub(*v, p[i]));
                    if s > eps {
                        pos = true;
                    } else if s < -eps {
                        neg = true;
                    }
                    if pos && neg {
                        break;
                    }
                }
                if pos != neg {
                    volume += dot(normal, sub(c, p[i])).abs() / 6.0;
                }
            }
        }
    }
    volume
}

/// The expression-friendly multiplier: √V(x_s) / √V(x_d0), V the hull volume, rounded to f32
/// as the reference multiplies with it.
pub fn motion_multiplier(x_s: &[[f32; 3]], x_d0: &[[f32; 3]]) -> f32 {
    (hull_volume(x_s).sqrt() / hull_volume(x_d0).sqrt()) as f32
}

/// Flatten keypoints keypoint-major, [x0, y0, z0, x1, …], with extra values appended: the
/// MLPs' input layout.
pub fn flat(kp: &[[f32; 3]], extra: &[f32]) -> Vec<f32> {
    kp.iter()
        .flatten()
        .copied()
        .chain(extra.iter().copied())
        .collect()
}

/// Keypoints + a delta given flat (the first 3K values).
pub fn add_flat(kp: &[[f32; 3]], delta: &[f32]) -> Keypoints {
    kp.iter()
        .enumerate()
        .map(|(i, p)| {
            [
                p[0] + delta[3 * i],
                p[1] + delta[3 * i + 1],
                p[2] + delta[3 * i + 2],
            ]
        })
        .collect()
}

/// a + (b − a)·m, per coordinate (the driving multiplier; also the expression-friendly step).
pub fn lerp(a: &[[f32; 3]], b: &[[f32; 3]], m: f32) -> Keypoints {
    a.iter()
        .zip(b)
        .map(|(a, b)| {
            [
                a[0] + (b[0] - a[0]) * m,
                a[1] + (b[1] - a[1]) * m,
                a[2] + (b[2] - a[2]) * m,
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headpose_of_a_peaked_softmax_is_its_bin() {
        let mut logits = vec![-1e4f32; 66];
        logits[40] = 0.0;
        assert!((headpose_degrees(&logits) - (40.0 * 3.0 - 97.5)).abs() < 1e-4);
    }

    #[test]
    fn rotation_is_orthonormal_and_composes_in_the_reference_order() {
        let r = rotation(10.0, -20.0, 30.0);
        let i = matmul(&r, &transpose(&r));
        for (a, row) in i.iter().enumerate() {
            for (b, v) in row.iter().enumerate() {
                assert!((v - if a == b { 1.0 } else { 0.0 }).abs() < 1e-6);
            }
        }
        // Pure yaw: a point on +x turns towards −z (Ry's row-vector form).
        let p = mul_rows(&[[1.0, 0.0, 0.0]], &rotation(0.0, 90.0, 0.0))[0];
        assert!((p[2] - 1.0).abs() < 1e-6 || (p[2] + 1.0).abs() < 1e-6);
    }

    #[test]
    fn hull_volume_of_a_cube_with_inner_points() {
        let mut pts: Vec<[f32; 3]> = (0..8)
            .map(|i| {
                [
                    (i & 1) as f32,
                    ((i >> 1) & 1) as f32 * 2.0,
                    ((i >> 2) & 1) as f32 * 3.0,
                ]
            })
            .collect();
        // Perturb (irregularly) so that no four points are coplanar, then add interior points.
        let jitter = [0.3f32, -0.7, 0.5, 0.9, -0.2, 0.6, -0.8, 0.1];
        for (i, p) in pts.iter_mut().enumerate() {
            p[0] += 1e-3 * jitter[i];
            p[1] += 1e-3 * jitter[(i + 3) % 8];
            p[2] += 1e-3 * jitter[(i + 5) % 8];
        }
        pts.push([0.5, 1.0, 1.5]);
        pts.push([0.3, 0.7, 2.0]);
        let v = hull_volume(&pts);
        assert!((v - 6.0).abs() < 0.05, "{v}");
    }
}
