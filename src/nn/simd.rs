//! Which vector instructions the CPU kernels use, chosen once at run time.
//!
//! The fast paths exist for AVX-512 and AVX2 + FMA (most laptops and desktops since 2013
//! have the latter); every other CPU, and `VIVANT_CPU=generic`, takes portable code that the
//! compiler vectorises for the target (NEON on Apple silicon). `VIVANT_CPU=avx2` forces the
//! AVX2 path on an AVX-512 machine, so it can be measured and tested there; a request beyond
//! what the CPU has is lowered to what it has.

use std::sync::OnceLock;

/// An instruction set the kernels have a path for, from the most capable down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// Portable Rust, vectorised by the compiler for the build target.
    Generic,
    /// x86-64 AVX2 with FMA: 8-lane vectors, 16 registers.
    Avx2,
    /// x86-64 AVX-512 F: 16-lane vectors, 32 registers, masks.
    Avx512,
}

impl Isa {
    /// The best the CPU has.
    pub fn detected() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Isa::Avx2;
            }
        }
        Isa::Generic
    }

    /// What the kernels use: the best the CPU has, or less when `VIVANT_CPU` asks for it.
    pub fn current() -> Isa {
        static ISA: OnceLock<Isa> = OnceLock::new();
        *ISA.get_or_init(|| {
            let best = Isa::detected();
            match std::env::var("VIVANT_CPU").ok().as_deref().map(str::trim) {
                Some(s) => Isa::parse(s).map_or(best, |asked| asked.min(best)),
                None => best,
            }
        })
    }

    /// `avx512`, `avx2` or `generic` (what `VIVANT_CPU` takes).
    pub fn parse(s: &str) -> Option<Isa> {
        match s.to_ascii_lowercase().as_str() {
            "avx512" | "avx-512" => Some(Isa::Avx512),
            "avx2" => Some(Isa::Avx2),
            "generic" | "none" => Some(Isa::Generic),
            _ => None,
        }
    }

    /// Every path this CPU can run, best first (tests hold each to the same reference).
    pub fn available() -> Vec<Isa> {
        [Isa::Avx512, Isa::Avx2, Isa::Generic]
            .into_iter()
            .filter(|&i| i <= Isa::detected())
            .collect()
    }

    /// A short name for reports: "avx512", "avx2", "generic".
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Generic => "generic",
        }
    }
}

/// `fn name(isa: Isa, args…) -> R` running `body` (an `#[inline(always)]` fn of the same
/// args) compiled for the instruction set `isa` names: the AVX-512 and AVX2 + FMA copies are
/// made here, so the plain loops in `body` vectorise at the width the CPU has. `isa` must be
/// one the CPU has (`Isa::current`, a `CpuPath`'s, a packed layout's).
macro_rules! per_isa {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $body:ident) => {
        $(#[$m])*
        $vis fn $name(isa: $crate::nn::simd::Isa, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f")]
            unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                $body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                $body($($arg),*)
            }
            match isa {
                // SAFETY: the caller's ISA is one the CPU has.
                #[cfg(target_arch = "x86_64")]
                $crate::nn::simd::Isa::Avx512 => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                $crate::nn::simd::Isa::Avx2 => unsafe { avx2($($arg),*) },
                _ => $body($($arg),*),
            }
        }
    };
}
pub(crate) use per_isa;
