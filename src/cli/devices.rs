//! `vivant devices [--json]`: the cameras and microphones FFmpeg's device layer finds (what
//! `--camera` and `--mic` take), and what the networks can run on here: the CPU (its vector
//! instructions, threads) and each GPU back end, built in or not, usable or not and why, and
//! what `--device auto` picks. The JSON is an object keyed by kind: `compute`, `cameras`,
//! `microphones`, and `inputs` (the FFmpeg input devices any `FORMAT:INPUT` may name).

use clap::Args;

use super::CliError;
use crate::devices::{GpuReport, Report};
use crate::media::live::{DeviceList, list_devices};

#[derive(Args, Debug)]
pub struct DevicesArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DevicesArgs) -> Result<(), CliError> {
    let report = Report::probe();
    let live = list_devices();
    if args.json {
        let mut value =
            serde_json::to_value(&report).map_err(|e| CliError::internal(e.to_string()))?;
        if let Some(obj) = value.as_object_mut() {
            let to = |v| serde_json::to_value(v).unwrap_or_default();
            obj.insert("cameras".into(), to(&live.cameras));
            obj.insert("microphones".into(), to(&live.microphones));
            obj.insert(
                "inputs".into(),
                serde_json::json!({"video": live.video_inputs, "audio": live.audio_inputs}),
            );
        }
        let text =
            serde_json::to_string_pretty(&value).map_err(|e| CliError::internal(e.to_string()))?;
        outln!("{text}");
    } else {
        out!("{}", live_text(&live));
        out!("{}", text(&report));
    }
    Ok(())
}

/// The cameras and microphones, for people.
pub fn live_text(live: &DeviceList) -> String {
    let mut out = String::new();
    for (what, flag, list, inputs) in [
        ("Cameras", "--camera", &live.cameras, &live.video_inputs),
        (
            "Microphones",
            "--mic",
            &live.microphones,
            &live.audio_inputs,
        ),
    ] {
        if list.is_empty() {
            out.push_str(&format!("{what}: none found\n"));
        } else {
            out.push_str(&format!(
                "{what} ({flag} takes the number, the name or the spec):\n"
            ));
            for (i, d) in list.iter().enumerate() {
                out.push_str(&format!("  {i}  {}  ({})\n", d.description, d.spec));
            }
        }
        out.push_str(&format!(
            "  other inputs, as {flag} FORMAT:INPUT: {}\n",
            if inputs.is_empty() {
                "none".to_string()
            } else {
                inputs.join(", ")
            }
        ));
    }
    out.push_str("  or a media file, played at its own pace\n\n");
    out
}

/// The report for people.
pub fn text(report: &Report) -> String {
    let c = &report.compute;
    let mut out = format!(
        "Where the networks can run here (--device auto picks: {}):\n",
        match c.auto {
            "cuda" => "CUDA",
            "metal" => "Metal",
            _ => "the CPU",
        }
    );
    let cpu = &c.cpu;
    let isa = if cpu.isa == cpu.isa_detected {
        format!("{} kernels", cpu.isa)
    } else {
        format!("{} kernels ({} detected)", cpu.isa, cpu.isa_detected)
    };
    let asked = |var: &str, value: &Option<String>| match value {
        Some(v) => format!("{var}={v}"),
        None => format!("{var} not set"),
    };
    out.push_str(&format!(
        "  CPU    {}{}: {isa} ({}), {} thread{} ({})\n",
        cpu.arch,
        cpu.model
            .as_ref()
            .map(|m| format!(", {m}"))
            .unwrap_or_default(),
        asked("VIVANT_CPU", &cpu.vivant_cpu),
        cpu.threads,
        if cpu.threads == 1 { "" } else { "s" },
        asked("VIVANT_THREADS", &cpu.vivant_threads),
    ));
    for g in &c.gpu {
        out.push_str(&gpu_line(g));
    }
    if let Some(note) = &c.auto_note {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

fn gpu_line(g: &GpuReport) -> String {
    let name = format!("{:<6}", g.backend.label());
    if !g.compiled {
        return format!(
            "  {name} {}\n",
            g.reason.as_deref().unwrap_or("not built in")
        );
    }
    let mut line = match &g.reason {
        Some(why) => format!("  {name} built in; {why}"),
        None => {
            let devices: Vec<String> = g
                .devices
                .iter()
                .map(|d| {
                    let mut facts = Vec::new();
                    if let Some(m) = d.memory_bytes {
                        facts.push(format!("{:.1} GiB", m as f64 / (1u64 << 30) as f64));
                    }
                    if let Some(cc) = &d.compute_capability {
                        facts.push(format!("compute capability {cc}"));
                    }
                    if facts.is_empty() {
                        format!("{}: {}", d.index, d.name)
                    } else {
                        format!("{}: {} ({})", d.index, d.name, facts.join(", "))
                    }
                })
                .collect();
            format!(
                "  {name} built in; available{}: {}",
                g.driver
                    .as_ref()
                    .map(|v| format!(" (the driver supports CUDA {v})"))
                    .unwrap_or_default(),
                devices.join("; ")
            )
        }
    };
    line.push('\n');
    if g.reason.is_some()
        && let Some(needs) = &g.needs
    {
        line.push_str(&format!("         it needs {needs}\n"));
    }
    line
}
