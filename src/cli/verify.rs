//! `vivant verify FILE`: what a file's Content Credentials say — who made it and when, how
//! its frames were made, from which files, with which settings — and whether they validate.
//! Exit code 0: valid; 1: no Content Credentials, or they do not validate (the file changed
//! after signing, or the manifest is damaged); 2: the file cannot be read.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use crate::export::credentials::{VerifyError, verify};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The video (or picture) to check.
    pub file: PathBuf,
    /// Print the whole report as JSON on stdout instead.
    #[arg(long)]
    pub json: bool,
}

/// What each IPTC digital source type Vivant writes means, in words.
fn how_made(uri: &str) -> String {
    let term = uri.rsplit('/').next().unwrap_or(uri);
    let words = match term {
        "compositeWithTrainedAlgorithmicMedia" => {
            "a real picture composited with trained algorithmic media"
        }
        "trainedAlgorithmicMedia" => "trained algorithmic media (made by a generative model)",
        "digitalCapture" => "a digital capture",
        _ => "",
    };
    if words.is_empty() {
        term.to_string()
    } else {
        format!("{words} ({term})")
    }
}

pub fn run(args: &VerifyArgs) -> Result<(), CliError> {
    // A pipe or a device would block the read: refused at once, as every command does.
    super::input_file(&args.file)?;
    let report = match verify(&args.file) {
        Ok(r) => r,
        Err(e @ VerifyError::Unreadable { .. }) => return Err(CliError::input(e.to_string())),
        Err(e) => {
            // A reader of --json gets JSON whatever the file holds: none, or damaged ones.
            if args.json {
                let none = matches!(e, VerifyError::NoManifest { .. });
                let report = serde_json::json!({
                    "valid": false,
                    "credentials": if none { "none" } else { "damaged" },
                    "failures": [e.to_string()],
                });
                outln!("{report:#}");
            }
            return Err(CliError {
                code: 1,
                message: e.to_string(),
            });
        }
    };
    if args.json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::internal(e.to_string()))?;
        outln!("{text}");
    } else {
        let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not said)".into());
        outln!("{}", args.file.display());
        outln!("  made by:      {}", or_unknown(&report.generator));
        outln!("  signed:       {}", or_unknown(&report.signed_at));
        let signer = match (&report.common_name, &report.issuer) {
            (Some(cn), Some(o)) => format!("{cn} ({o})"),
            (Some(cn), None) => cn.clone(),
            (None, Some(o)) => o.clone(),
            (None, None) => "(not said)".into(),
        };
        outln!(
            "  signer:       {signer}{}",
            if report.trusted {
                ", vouched for by a trusted authority"
            } else {
                ", not vouched for by any authority this reader trusts (self-issued)"
            }
        );
        outln!(
            "  how made:     {}",
            report
                .source_type
                .as_deref()
                .map_or_else(|| "(not said)".into(), how_made)
        );
        for i in &report.ingredients {
            outln!(
                "  made from:    {}{}{}",
                i.title,
                i.role
                    .as_deref()
                    .map_or(String::new(), |r| format!(" ({r})")),
                i.sha256
                    .as_deref()
                    .map_or(String::new(), |h| format!(", SHA-256 {h}"))
            );
        }
        if let Some(s) = &report.settings {
            outln!("  settings:     {s}");
        }
        if report.valid {
            outln!("  valid:        yes: the file is as it was signed");
        } else {
            outln!("  valid:        NO");
            for f in &report.failures {
                outln!("    {f}");
            }
        }
    }
    if report.valid {
        Ok(())
    } else {
        Err(CliError {
            code: 1,
            message: format!(
                "{}: the Content Credentials do not validate{}",
                args.file.display(),
                if report.failures.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", report.failures.join("; "))
                }
            ),
        })
    }
}
