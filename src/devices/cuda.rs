//! CUDA, probed without ever stopping the program: the driver (libcuda), cuBLAS and cuRAND are
//! opened at run time, and every call that could meet a missing library or symbol is checked
//! first or caught, so a machine without them gets a reason, never a panic.
//!
//! cudarc's own loader searches the usual names (libcuda.so.1, libcublas.so.13, …) on the
//! system's library path. Before it does, the CUDA libraries of a toolkit installed where the
//! library path does not reach (`CUDA_HOME`, `CUDA_PATH`, `CUDA_ROOT`, /usr/local/cuda) are
//! loaded by full path, so cudarc then finds them by name.

use candle_core::cuda::cudarc;
use cudarc::driver::{result, sys};

use super::{GpuInfo, GpuReport};

/// The CUDA version this build's kernels and bindings are for (`CUDARC_CUDA_VERSION`, as
/// tools/cuda-build.sh sets it: 13000 = 13.0); unknown builds are not checked.
fn built_for() -> Option<i32> {
    option_env!("CUDARC_CUDA_VERSION").and_then(|v| v.parse().ok())
}

/// The compute capability the PTX was built for (`CUDA_COMPUTE_CAP`: 80 = 8.0).
fn min_compute_capability() -> Option<(i32, i32)> {
    let digits: String = option_env!("CUDA_COMPUTE_CAP")?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let n: i32 = digits.parse().ok()?;
    Some((n / 10, n % 10))
}

fn version(v: i32) -> String {
    format!("{}.{}", v / 1000, (v % 1000) / 10)
}

/// The Linux driver series that brought each CUDA major version.
fn driver_for(major: i32) -> &'static str {
    match major {
        13 => "580",
        12 => "525",
        _ => "a recent one",
    }
}

fn needs() -> String {
    let cuda = built_for().map_or("13".into(), version);
    let major = built_for().map_or(13, |v| v / 1000);
    let cc = min_compute_capability()
        .map(|(a, b)| format!(", a GPU of compute capability {a}.{b} or newer"))
        .unwrap_or_default();
    format!(
        "the NVIDIA driver {} or newer (CUDA {cuda}), cuBLAS {major} and cuRAND 10 (CUDA {major}'s libraries){cc}",
        driver_for(major)
    )
}

/// The file names of the driver, cuBLAS (with cuBLASLt, which it needs) and cuRAND.
fn library_names() -> ([&'static str; 2], [String; 2], String) {
    let major = built_for().map_or(13, |v| v / 1000);
    if cfg!(windows) {
        (
            ["nvcuda.dll", "nvcuda.dll"],
            [
                format!("cublasLt64_{major}.dll"),
                format!("cublas64_{major}.dll"),
            ],
            "curand64_10.dll".into(),
        )
    } else {
        (
            ["libcuda.so.1", "libcuda.so"],
            [
                format!("libcublasLt.so.{major}"),
                format!("libcublas.so.{major}"),
            ],
            "libcurand.so.10".into(),
        )
    }
}

/// Whether a library opens by name (the system's search, as cudarc's loader does it).
fn present(name: &str) -> bool {
    // SAFETY: opening a CUDA library runs only its own initialisers; it is closed again (or
    // stays loaded when it already was).
    unsafe { libloading::Library::new(name) }.is_ok()
}

/// Load the libraries of a toolkit outside the library path by full path (see the module).
#[cfg(unix)]
fn preload_toolkit_libraries() {
    let (_, blas, rand) = library_names();
    let names = [blas[0].clone(), blas[1].clone(), rand];
    let mut dirs: Vec<std::path::PathBuf> = ["CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"]
        .iter()
        .filter_map(std::env::var_os)
        .map(std::path::PathBuf::from)
        .collect();
    dirs.push("/usr/local/cuda".into());
    for name in &names {
        if present(name) {
            continue;
        }
        for dir in &dirs {
            for sub in ["lib64", "lib", "targets/x86_64-linux/lib"] {
                let path = dir.join(sub).join(name);
                if !path.is_file() {
                    continue;
                }
                // SAFETY: as above; RTLD_GLOBAL so a later dlopen by name finds it loaded.
                let opened = unsafe {
                    libloading::os::unix::Library::open(
                        Some(&path),
                        libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL,
                    )
                };
                if let Ok(lib) = opened {
                    // Kept for the life of the process, as cudarc keeps its own.
                    std::mem::forget(lib);
                    break;
                }
            }
        }
    }
}

#[cfg(not(unix))]
fn preload_toolkit_libraries() {}

/// Fill `report`: its devices, or the reason CUDA cannot run here.
pub(super) fn probe(report: &mut GpuReport) {
    report.needs = Some(needs());
    preload_toolkit_libraries();
    let (driver, blas, rand) = library_names();
    if !driver.iter().any(|n| present(n)) {
        report.reason = Some(format!("no NVIDIA driver found ({})", driver[0]));
        return;
    }
    match super::quietly(probe_driver) {
        Ok(Ok((driver, devices))) => {
            report.driver = Some(version(driver));
            report.devices = devices;
        }
        Ok(Err((driver, reason))) => {
            report.driver = driver.map(version);
            report.reason = Some(reason);
            return;
        }
        Err(_) => {
            report.reason =
                Some("the NVIDIA driver's library failed as it started (libcuda.so.1)".into());
            return;
        }
    }
    let major = built_for().map_or(13, |v| v / 1000);
    if !present(&blas[1]) {
        report.reason = Some(format!(
            "cuBLAS not found ({}, from CUDA {major}): install CUDA {major}'s cuBLAS and cuRAND (NVIDIA's packages libcublas-{major}-0 and libcurand-{major}-0, or the toolkit), or put the folder holding them in LD_LIBRARY_PATH",
            blas[1]
        ));
    } else if !present(&rand) {
        report.reason = Some(format!(
            "cuRAND not found ({rand}, from CUDA {major}): install CUDA {major}'s cuRAND (NVIDIA's package libcurand-{major}-0, or the toolkit), or put the folder holding it in LD_LIBRARY_PATH"
        ));
    }
}

type Probed = Result<(i32, Vec<GpuInfo>), (Option<i32>, String)>;

/// The driver's version and its devices, or why not (with the version when known).
fn probe_driver() -> Probed {
    if let Err(e) = result::init() {
        let reason = match e.0 {
            sys::CUresult::CUDA_ERROR_NO_DEVICE => {
                "no NVIDIA GPU found (the driver is installed)".to_string()
            }
            _ => format!("the NVIDIA driver did not start ({:?})", e.0),
        };
        return Err((None, reason));
    }
    let mut driver = 0;
    // SAFETY: writes one int.
    let got = unsafe { sys::cuDriverGetVersion(&mut driver) };
    if got != sys::CUresult::CUDA_SUCCESS {
        return Err((
            None,
            format!("the NVIDIA driver did not say its version ({got:?})"),
        ));
    }
    if let Some(want) = built_for()
        && driver < want
    {
        return Err((
            Some(driver),
            format!(
                "the NVIDIA driver supports CUDA {}; this build needs CUDA {} (driver {} or newer)",
                version(driver),
                version(want),
                driver_for(want / 1000)
            ),
        ));
    }
    let count = result::device::get_count().map_err(|e| {
        (
            Some(driver),
            format!("the NVIDIA driver did not list its GPUs ({:?})", e.0),
        )
    })?;
    if count <= 0 {
        return Err((
            Some(driver),
            "no NVIDIA GPU found (the driver is installed)".into(),
        ));
    }
    let mut devices = Vec::new();
    for i in 0..count {
        let Ok(dev) = result::device::get(i) else {
            continue;
        };
        let name = result::device::get_name(dev).unwrap_or_else(|_| format!("GPU {i}"));
        // SAFETY: `dev` came from `get`.
        let memory = unsafe { result::device::total_mem(dev) }.ok();
        let attribute = |a| unsafe { result::device::get_attribute(dev, a) }.ok();
        let cc = match (
            attribute(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
            attribute(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
        ) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        devices.push((
            cc,
            GpuInfo {
                index: i as usize,
                name,
                memory_bytes: memory.map(|m| m as u64),
                compute_capability: cc.map(|(a, b)| format!("{a}.{b}")),
            },
        ));
    }
    if let (Some(min), Some((Some(cc), first))) = (min_compute_capability(), devices.first())
        && *cc < min
    {
        return Err((
            Some(driver),
            format!(
                "{} has compute capability {}.{}; this build's kernels need {}.{} or newer",
                first.name, cc.0, cc.1, min.0, min.1
            ),
        ));
    }
    Ok((driver, devices.into_iter().map(|(_, d)| d).collect()))
}
