//! What this machine offers Vivant. Today: where the networks can run (`compute`): the CPU (its
//! vector instructions, threads) and each GPU back end, compiled in or not, usable here or not
//! and why. `vivant devices` prints it, `--device auto` picks from it, the studio greys its
//! device choice with the reason. Cameras and microphones are to join as siblings of
//! `compute` in [`Report`] (a JSON object keyed by kind, so readers of today's keys keep
//! working).
//!
//! Nothing here may panic or stop the program: a missing driver or library is an
//! [`Availability`] with a reason, and the GPU libraries are opened at run time (cudarc's
//! dynamic loading; see `patches/README.md`), so one binary starts everywhere.

#[cfg(feature = "cuda")]
mod cuda;

use std::str::FromStr;
use std::sync::OnceLock;

use candle_core::Device;
use serde::{Deserialize, Serialize};

/// Where networks run, as a user chooses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// The first GPU back end usable here (CUDA, then Metal), else the CPU with a note why.
    #[default]
    Auto,
    Cpu,
    Cuda,
    Metal,
}

impl FromStr for DeviceChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda),
            "metal" => Ok(Self::Metal),
            other => Err(format!(
                "unknown device '{other}': use auto, cpu, cuda or metal (`vivant devices` lists what is here)"
            )),
        }
    }
}

impl DeviceChoice {
    /// Every choice, in the order menus offer them.
    pub const ALL: [DeviceChoice; 4] = [Self::Auto, Self::Cpu, Self::Cuda, Self::Metal];

    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
            Self::Metal => "metal",
        }
    }

    /// For people: "Auto", "CPU", "CUDA", "Metal".
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "Auto",
            Self::Cpu => "CPU",
            Self::Cuda => "CUDA",
            Self::Metal => "Metal",
        }
    }

    /// The device, or why the one asked for cannot be used here. `Auto` never fails: it falls
    /// back to the CPU, and [`Opened::note`] says why.
    pub fn open(self) -> Result<Opened, DeviceError> {
        let gpu = |backend: GpuBackend| -> Result<Opened, DeviceError> {
            match backend.open() {
                Ok((device, name)) => Ok(Opened {
                    device,
                    backend: Some(backend),
                    name,
                    note: None,
                }),
                Err(reason) => Err(DeviceError::Unavailable { backend, reason }),
            }
        };
        match self {
            Self::Cpu => Ok(Opened::cpu(None)),
            Self::Cuda => gpu(GpuBackend::Cuda),
            Self::Metal => gpu(GpuBackend::Metal),
            Self::Auto => {
                let mut why = Vec::new();
                for backend in GpuBackend::ALL {
                    if !backend.compiled() {
                        continue;
                    }
                    match gpu(backend) {
                        Ok(opened) => return Ok(opened),
                        Err(DeviceError::Unavailable { reason, .. }) => {
                            why.push(format!("{}: {reason}", backend.label()))
                        }
                    }
                }
                let note = if why.is_empty() {
                    "the neural engine runs on the CPU: this build has no GPU back end (CUDA or Metal)"
                        .to_string()
                } else {
                    format!("the neural engine runs on the CPU ({})", why.join("; "))
                };
                Ok(Opened::cpu(Some(note)))
            }
        }
    }

    /// [`open`](Self::open)'s device alone.
    pub fn device(self) -> Result<Device, DeviceError> {
        self.open().map(|o| o.device)
    }
}

/// A device opened for a choice.
#[derive(Clone, Debug)]
pub struct Opened {
    pub device: Device,
    /// The GPU back end, `None` for the CPU.
    pub backend: Option<GpuBackend>,
    /// "CPU", or the GPU's name: "CUDA 0: NVIDIA H100 80GB HBM3".
    pub name: String,
    /// Why `auto` ended on the CPU (one line, for a note).
    pub note: Option<String>,
}

impl Opened {
    fn cpu(note: Option<String>) -> Self {
        Self {
            device: Device::Cpu,
            backend: None,
            name: "CPU".into(),
            note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "{} is not available here: {reason} (`vivant devices` says what is; --device auto or cpu runs on the CPU)",
        backend.label()
    )]
    Unavailable { backend: GpuBackend, reason: String },
}

/// The GPU back ends Vivant knows, compiled in or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuBackend {
    Cuda,
    Metal,
}

impl GpuBackend {
    /// In the order `auto` tries them.
    pub const ALL: [GpuBackend; 2] = [Self::Cuda, Self::Metal];

    pub fn label(self) -> &'static str {
        match self {
            Self::Cuda => "CUDA",
            Self::Metal => "Metal",
        }
    }

    pub fn choice(self) -> DeviceChoice {
        match self {
            Self::Cuda => DeviceChoice::Cuda,
            Self::Metal => DeviceChoice::Metal,
        }
    }

    /// Whether this build has the back end.
    pub fn compiled(self) -> bool {
        match self {
            Self::Cuda => cfg!(feature = "cuda"),
            Self::Metal => cfg!(feature = "metal"),
        }
    }

    fn not_compiled(self) -> String {
        match self {
            Self::Cuda => {
                "not built in (tools/cuda-build.sh builds it in; the Linux packages have it)".into()
            }
            Self::Metal => "not built in (macOS builds with --features metal)".into(),
        }
    }

    /// What this back end offers here, probed once per process.
    pub fn probe(self) -> GpuReport {
        static CUDA: OnceLock<GpuReport> = OnceLock::new();
        static METAL: OnceLock<GpuReport> = OnceLock::new();
        let cell = match self {
            Self::Cuda => &CUDA,
            Self::Metal => &METAL,
        };
        cell.get_or_init(|| self.probe_now()).clone()
    }

    fn probe_now(self) -> GpuReport {
        let mut report = GpuReport {
            backend: self,
            compiled: self.compiled(),
            available: false,
            reason: None,
            driver: None,
            devices: Vec::new(),
            needs: None,
        };
        if !report.compiled {
            report.reason = Some(self.not_compiled());
            return report;
        }
        match self {
            Self::Cuda => {
                #[cfg(feature = "cuda")]
                cuda::probe(&mut report);
            }
            Self::Metal => probe_metal(&mut report),
        }
        report.available = report.reason.is_none();
        report
    }

    /// The device (shared by every caller in the process: one context, one cuBLAS handle) and
    /// its name, or why not.
    fn open(self) -> Result<(Device, String), String> {
        static CUDA: OnceLock<Result<(Device, String), String>> = OnceLock::new();
        static METAL: OnceLock<Result<(Device, String), String>> = OnceLock::new();
        let cell = match self {
            Self::Cuda => &CUDA,
            Self::Metal => &METAL,
        };
        cell.get_or_init(|| {
            let report = self.probe();
            if let Some(reason) = report.reason {
                return Err(reason);
            }
            let name = match report.devices.first() {
                Some(d) => format!("{} 0: {}", self.label(), d.name),
                None => self.label().to_string(),
            };
            let made = quietly(|| match self {
                Self::Cuda => Device::new_cuda(0),
                Self::Metal => Device::new_metal(0),
            });
            match made {
                Ok(Ok(device)) => Ok((device, name)),
                Ok(Err(e)) => Err(format!("the device did not open: {e}")),
                Err(_) => Err("the device did not open (its library failed as it started)".into()),
            }
        })
        .clone()
    }
}

fn probe_metal(report: &mut GpuReport) {
    if !candle_core::utils::metal_is_available() {
        report.reason = Some("no Metal device (Metal needs macOS)".into());
        return;
    }
    match quietly(|| Device::new_metal(0)) {
        Ok(Ok(_)) => report.devices.push(GpuInfo {
            index: 0,
            name: "Metal device 0".into(),
            memory_bytes: None,
            compute_capability: None,
        }),
        Ok(Err(e)) => report.reason = Some(format!("no Metal device: {e}")),
        Err(_) => report.reason = Some("no Metal device (Metal failed as it started)".into()),
    }
}

/// `f`, with a panic inside it (a GPU library missing a symbol: cudarc panics) caught and
/// not printed: the caller turns it into a reason. The panic hook is swapped for the call, so
/// another thread's panic message in that instant is not printed either (its unwinding and
/// its own handling are unchanged).
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result
}

/// One GPU back end here.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GpuReport {
    pub backend: GpuBackend,
    /// Built into this binary.
    pub compiled: bool,
    /// Built in, and its driver, libraries and a device are here.
    pub available: bool,
    /// Why not, when not: "not built in …", "no NVIDIA driver found (libcuda.so.1)", "the
    /// NVIDIA driver supports CUDA 12.4; this build needs 13.0 (driver 580 or newer)", "cuBLAS
    /// not found…".
    pub reason: Option<String>,
    /// The driver's CUDA version ("13.0"), where a driver answered.
    pub driver: Option<String>,
    pub devices: Vec<GpuInfo>,
    /// What this build needs of the machine: "NVIDIA driver 580+ (CUDA 13.0), cuBLAS 13 and
    /// cuRAND 10 (CUDA 13), a GPU of compute capability 8.0 or newer".
    pub needs: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GpuInfo {
    pub index: usize,
    pub name: String,
    pub memory_bytes: Option<u64>,
    /// "9.0" (CUDA).
    pub compute_capability: Option<String>,
}

/// The CPU as the kernels see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CpuReport {
    /// "x86_64", "aarch64".
    pub arch: &'static str,
    /// The processor's name, where the system says it.
    pub model: Option<String>,
    /// The best vector instructions the kernels have a path for here: "avx512", "avx2",
    /// "generic".
    pub isa_detected: &'static str,
    /// The path in use (lower when `VIVANT_CPU` asks for less).
    pub isa: &'static str,
    /// `VIVANT_CPU` as set.
    pub vivant_cpu: Option<String>,
    /// Threads the large kernels use (`VIVANT_THREADS`, default every core).
    pub threads: usize,
    pub vivant_threads: Option<String>,
    /// The CPU is always there.
    pub available: bool,
}

impl CpuReport {
    pub fn probe() -> Self {
        Self {
            arch: std::env::consts::ARCH,
            model: cpu_model(),
            isa_detected: crate::nn::simd::Isa::detected().name(),
            isa: crate::nn::simd::Isa::current().name(),
            vivant_cpu: std::env::var("VIVANT_CPU").ok(),
            threads: crate::nn::threads::compute_threads(),
            vivant_threads: std::env::var("VIVANT_THREADS").ok(),
            available: true,
        }
    }
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// Where the networks can run here, and what `--device auto` picks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComputeReport {
    pub cpu: CpuReport,
    /// Every GPU back end Vivant knows, compiled in or not.
    pub gpu: Vec<GpuReport>,
    /// `--device auto`: "cpu", "cuda" or "metal".
    pub auto: &'static str,
    /// Why auto runs on the CPU, when it does.
    pub auto_note: Option<String>,
}

impl ComputeReport {
    pub fn probe() -> Self {
        let gpu: Vec<GpuReport> = GpuBackend::ALL.iter().map(|b| b.probe()).collect();
        let (auto, auto_note) = match DeviceChoice::Auto.open() {
            Ok(o) => (o.backend.map_or("cpu", |b| b.choice().name()), o.note),
            Err(e) => ("cpu", Some(e.to_string())),
        };
        Self {
            cpu: CpuReport::probe(),
            gpu,
            auto,
            auto_note,
        }
    }

    /// The report on one back end.
    pub fn gpu(&self, backend: GpuBackend) -> Option<&GpuReport> {
        self.gpu.iter().find(|g| g.backend == backend)
    }
}

/// Everything `vivant devices` reports, by kind (today: compute).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub compute: ComputeReport,
}

impl Report {
    pub fn probe() -> Self {
        Self {
            compute: ComputeReport::probe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_and_serialise_by_name() {
        for c in DeviceChoice::ALL {
            assert_eq!(c.name().parse::<DeviceChoice>(), Ok(c));
            assert_eq!(
                serde_json::to_string(&c).expect("json"),
                format!("\"{}\"", c.name())
            );
        }
        assert_eq!("CUDA".parse::<DeviceChoice>(), Ok(DeviceChoice::Cuda));
        let e = "tpu".parse::<DeviceChoice>().expect_err("unknown");
        assert!(e.contains("auto, cpu, cuda or metal"), "{e}");
    }

    #[test]
    fn a_backend_not_built_in_says_so_and_auto_falls_back_with_one_note() {
        let report = ComputeReport::probe();
        for g in &report.gpu {
            assert_eq!(g.compiled, g.backend.compiled());
            if !g.compiled {
                assert!(!g.available);
                let why = g.reason.as_deref().expect("a reason");
                assert!(why.starts_with("not built in"), "{why}");
                let e = g.backend.choice().open().expect_err("not built in");
                assert!(e.to_string().contains("not built in"), "{e}");
            }
        }
        let auto = DeviceChoice::Auto.open().expect("auto never fails");
        if auto.backend.is_none() {
            assert!(auto.device.is_cpu());
            let note = auto.note.expect("a note when auto runs on the CPU");
            assert!(
                note.starts_with("the neural engine runs on the CPU"),
                "{note}"
            );
            assert_eq!(report.auto, "cpu");
        }
        assert!(DeviceChoice::Cpu.open().expect("cpu").note.is_none());
        assert!(report.cpu.threads >= 1);
    }
}
