//! `vivant devices [--json]`: what the networks can run on here: the CPU (its vector
//! instructions, threads) and each GPU back end, built in or not, usable or not and why, and
//! what `--device auto` picks. The JSON is an object keyed by kind (`compute` today), so
//! cameras and microphones can join it without changing what is there.

use clap::Args;

use super::CliError;
use crate::devices::{GpuReport, Report};

#[derive(Args, Debug)]
pub struct DevicesArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DevicesArgs) -> Result<(), CliError> {
    let report = Report::probe();
    if args.json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::internal(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", text(&report));
    }
    Ok(())
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
