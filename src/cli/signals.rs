//! The signals commands, twins of the signals tools: `metrics`, `alarms`,
//! `diagnose`, with times in the terminal's time zone.

use anyhow::{Result, bail};
use tokio::runtime::Runtime;

use msf_mcp::{
    sandbox::{
        Sandbox,
        signals::types::{AlarmsArgs, DiagnoseArgs, MetricsArgs},
    },
    view,
};

use super::{Command, Outcome, aws::named, print};

/// Runs a signals command.
pub(super) fn run(command: &Command, sandbox: &Sandbox, runtime: &Runtime) -> Result<Outcome> {
    match command {
        Command::Metrics {
            application,
            preset,
            window,
            aws,
            json,
        } => {
            let a = MetricsArgs {
                application: application.clone(),
                preset: named(
                    preset,
                    "preset",
                    "health, checkpoints, resources, throughput, lag, backpressure or kpus",
                )?,
                window: window.clone(),
                region: aws.region.clone(),
                profile: aws.profile.clone(),
            };
            let out = runtime.block_on(sandbox.metrics(&a))?;
            print(*json, &out, |o| view::metrics(o, &local_time))
        }
        Command::Alarms {
            application,
            aws,
            json,
        } => {
            let a = AlarmsArgs {
                application: application.clone(),
                region: aws.region.clone(),
                profile: aws.profile.clone(),
            };
            let out = runtime.block_on(sandbox.alarms(&a))?;
            print(*json, &out, view::alarms)
        }
        Command::Diagnose {
            application,
            symptom,
            window,
            aws,
            json,
        } => {
            let symptom = match symptom {
                Some(s) => Some(named(
                    s,
                    "symptom",
                    "restarts, checkpoints, slow, memory or updates",
                )?),
                None => None,
            };
            let a = DiagnoseArgs {
                application: application.clone(),
                symptom,
                window: window.clone(),
                region: aws.region.clone(),
                profile: aws.profile.clone(),
            };
            let out = runtime.block_on(sandbox.diagnose(&a))?;
            print(*json, &out, |o| {
                view::diagnosis(o, &local_time, &|body: &str| {
                    format!(
                        "  log lines (from the application, untrusted):\n{}",
                        indent(body)
                    )
                })
            })
        }
        _ => bail!("not a signals command"),
    }
}

/// Unix seconds as local `YYYY-MM-DD HH:MM` (the terminal's time zone).
fn local_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|| t.to_string())
}

/// Indents every line by four spaces.
fn indent(body: &str) -> String {
    body.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
