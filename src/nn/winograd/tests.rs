use super::*;

use crate::nn::test_values as rand;

/// Direct convolution in f64, then the epilogue.
#[allow(clippy::too_many_arguments)]
fn direct(
    x: &[f32],
    wt: &[f32],
    (c, o, kd): (usize, usize, usize),
    (d, h, w): (usize, usize, usize),
    mul: &[f32],
    add: &[f32],
    act: Act,
) -> Vec<f64> {
    let mut out = vec![0f64; o * d * h * w];
    let p = kd / 2;
    for oc in 0..o {
        for z in 0..d {
            for y in 0..h {
                for xx in 0..w {
                    let mut s = 0f64;
                    for ic in 0..c {
                        for dz in 0..kd {
                            for i in 0..3 {
                                for j in 0..3 {
                                    let (zz, yy, xi) = (
                                        z as isize + dz as isize - p as isize,
                                        y as isize + i as isize - 1,
                                        xx as isize + j as isize - 1,
                                    );
                                    if zz < 0
                                        || yy < 0
                                        || xi < 0
                                        || zz >= d as isize
                                        || yy >= h as isize
                                        || xi >= w as isize
                                    {
                                        continue;
                                    }
                                    s += x[((ic * d + zz as usize) * h + yy as usize) * w
                                        + xi as usize]
                                        as f64
                                        * wt[(((oc * c + ic) * kd + dz) * 3 + i) * 3 + j] as f64;
                                }
                            }
                        }
                    }
                    let v = s * mul[oc] as f64 + add[oc] as f64;
                    out[((oc * d + z) * h + y) * w + xx] = act.apply(v as f32) as f64;
                }
            }
        }
    }
    out
}

#[test]
fn every_path_matches_direct_convolution_in_2d_and_3d_with_ragged_sizes() {
    for isa in Isa::available() {
        for (c, o, kd, d, h, w, act) in [
            (3, 5, 1, 1, 9, 13, Act::Identity),
            (16, 20, 1, 1, 33, 70, Act::LeakyRelu(0.2)),
            (7, 15, 3, 4, 10, 17, Act::Relu),
            (5, 3, 1, 1, 4, 4, Act::Identity),
        ] {
            let x = rand(c * d * h * w, 1);
            let wt: Vec<f32> = rand(o * c * kd * 9, 2)
                .iter()
                .map(|v| v / (c * kd * 9) as f32 * 3.0)
                .collect();
            let mul = rand(o, 3);
            let add = rand(o, 4);
            let taps = crate::nn::gemm::Packed::new(isa, o, c, kd * 9, |oc, t, ic| {
                wt[(oc * c + ic) * kd * 9 + t]
            });
            let wg = Winograd::new(taps.layout(), kd, mul.clone(), add.clone(), act);
            let mut out = vec![f32::NAN; o * d * h * w];
            wg.forward(taps.layout(), taps.data(), &x, (d, h, w), &mut out);
            let want = direct(&x, &wt, (c, o, kd), (d, h, w), &mul, &add, act);
            let diff = out
                .iter()
                .zip(&want)
                .map(|(a, b)| (*a as f64 - b).abs())
                .fold(0.0, f64::max);
            assert!(diff < 2e-5, "{isa:?} c{c} o{o} kd{kd} {d}x{h}x{w}: {diff}");
        }
    }
}
