//! erfc and the exact (erf) GELU in plain f32 arithmetic without branches (and without
//! `mul_add`, a library call where the build has no FMA), so that loops over them vectorise: the motion extractor applies GELU to 11 million values a frame, where a
//! scalar library erf (≈ 15 ns each) alone took longer than PyTorch's whole network.
//!
//! erfc(z) = t·exp(−z² + P(t)) with t = 1/(1 + z/2) for z ≥ 0 (the form of Numerical Recipes'
//! `erfcc`), P a degree-10 polynomial fitted here by least squares in the Chebyshev basis to
//! log(erfc(z)/t) + z² on z ∈ [0, 10] (relative error 2.4e-8 in f64, so f32 rounding
//! dominates); erfc(−z) = 2 − erfc(z).

/// P(t), lowest power first.
const P: [f32; 11] = [
    -1.265_570_7,
    1.001_627_3,
    0.355_314_3,
    0.219_751_83,
    -0.684_801_1,
    1.589_504_3,
    -3.407_515,
    4.065_587,
    -2.660_184_6,
    0.918_474_76,
    -0.132_188_36,
];

/// e^y for y ≤ 88 (0 below −87): y = k·ln 2 + r, |r| ≤ ln 2 / 2, e^r by its Taylor series to
/// r⁷ (error < 1e-8 relative), 2^k through the exponent bits.
#[inline(always)]
pub fn exp(y: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 in two parts (Cody and Waite): k·LN2_HI is exact for |k| < 2^11.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding 1.5·2^23 rounds to an integer without a rounding instruction.
    const ROUND: f32 = 12_582_912.0;
    let y = y.clamp(-87.0, 88.0);
    let kf = y * LOG2E + ROUND;
    let k = kf - ROUND;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    let mut p: f32 = 1.0 / 5040.0;
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    let bits = (kf.to_bits() as i32).wrapping_sub(0x4B40_0000); // = k, as an integer
    p * f32::from_bits(((bits + 127) as u32) << 23)
}

/// The complementary error function.
#[inline(always)]
pub fn erfc(z: f32) -> f32 {
    let a = z.abs();
    let t = 1.0 / (a * 0.5 + 1.0);
    let mut p = P[10];
    for &c in P[..10].iter().rev() {
        p = p * t + c;
    }
    // −a² in two exact-ish parts (a = hi + lo, hi with 12 significant bits so hi·hi is exact
    // in f32): rounding a² itself would cost 80 f32 steps of relative error at a = 9.
    let hi = f32::from_bits(a.to_bits() & 0xFFFF_F000);
    let r = t * exp(-hi * hi) * exp(p - (a - hi) * (a + hi));
    if z >= 0.0 { r } else { 2.0 - r }
}

/// GELU with the exact erf (PyTorch's default): x·Φ(x) = ½·x·erfc(−x/√2).
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * erfc(-x * std::f32::consts::FRAC_1_SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erfc by its continued fraction / series in f64 (the reference here).
    fn erfc64(z: f64) -> f64 {
        if z < 0.0 {
            return 2.0 - erfc64(-z);
        }
        if z < 3.0 {
            // 1 − erf(z), erf by its Taylor series.
            let mut sum = 0.0;
            let mut term = z;
            let mut n = 0.0;
            while term.abs() > 1e-18 {
                sum += term / (2.0 * n + 1.0);
                n += 1.0;
                term *= -z * z / n;
            }
            return 1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum;
        }
        // Continued fraction (Lentz), converges fast for z ≥ 3.
        let mut f = 0.0f64;
        for k in (1..60).rev() {
            f = (k as f64 / 2.0) / (z + f);
        }
        (-z * z).exp() / std::f64::consts::PI.sqrt() / (z + f)
    }

    #[test]
    fn erfc_and_gelu_hold_their_relative_error() {
        let mut worst = 0f64;
        let mut z = -9.0f64;
        while z < 9.0 {
            // The reference at the f32 input itself (erfc's slope makes the input's own
            // rounding worth 2z² steps).
            let zf = z as f32;
            let got = erfc(zf) as f64;
            let want = erfc64(zf as f64);
            worst = worst.max((got - want).abs() / want);
            z += 0.000_73;
        }
        assert!(worst < 1e-6, "erfc relative error {worst:e}");
        let mut worst = 0f64;
        let mut step = -12.0f64;
        while step < 12.0 {
            let xf = step as f32;
            let x = xf as f64;
            let want = 0.5 * x * erfc64(-x / 2f64.sqrt());
            let got = gelu(xf) as f64;
            worst = worst.max((got - want).abs() / want.abs().max(1e-30).max(x.abs() * 1e-7));
            step += 0.000_91;
        }
        assert!(worst < 2e-6, "gelu relative error {worst:e}");
        for y in [-200.0f32, -87.5, -10.0, 0.0, 1.0, 80.0] {
            let want = (y as f64).exp();
            let got = exp(y) as f64;
            assert!(
                (got - want).abs() <= want * 3e-7 + 1e-37,
                "exp({y}) = {got}, want {want}"
            );
        }
    }
}
