//! CLI twins of the AWS tools: `apps list|describe`, `logs query`, `plan`,
//! `apply` (asks on the terminal), `audit verify|tail`; the signals commands
//! (`metrics`, `alarms`, `diagnose`, in [`super::signals`]) run through the
//! same sandbox built here. Same policy and audit log as the MCP tools.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};

use msf_mcp::{
    App,
    config::KnowledgeConfig,
    sandbox::{Consent, Preset, args::*, audit, plan::Change},
};

use super::term;
use super::{AppsCommand, AuditCommand, Cli, Command, LogsCommand, Outcome, print};

/// Runs an AWS command.
pub fn run(cli: &Cli, config: &KnowledgeConfig) -> Result<Outcome> {
    if let Command::Audit {
        command: AuditCommand::Verify { file: Some(file) },
    } = &cli.command
    {
        return verify(file);
    }
    let key = config.receipt_key.clone().unwrap_or_default();
    let sandbox = crate::edge::sandbox(cli.source.config.as_deref(), &key)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let no_progress = |_: u64| {};
    let never = || false;
    match &cli.command {
        Command::Apps {
            command: AppsCommand::List { prefix, json },
            aws,
        } => {
            let a = ListArgs {
                region: aws.region.clone(),
                profile: aws.profile.clone(),
                name_prefix: prefix.clone(),
                limit: None,
                cursor: None,
            };
            let out = runtime.block_on(sandbox.list_applications(&a))?;
            print(*json, &out, term::app_table)
        }
        Command::Apps {
            command:
                AppsCommand::Describe {
                    application,
                    all,
                    json,
                },
            aws,
        } => {
            let include = if *all {
                vec![Include::Snapshots, Include::Operations]
            } else {
                Vec::new()
            };
            let a = DescribeArgs {
                application: application.clone(),
                include,
                show_property_values: false,
                region: aws.region.clone(),
                profile: aws.profile.clone(),
            };
            let out = runtime.block_on(sandbox.describe_application(&a))?;
            print(*json, &out, term::app_summary)
        }
        Command::Logs {
            command:
                LogsCommand::Query {
                    application,
                    log_group,
                    preset,
                    query,
                    start,
                    end,
                    limit,
                    aws,
                    json,
                },
        } => {
            let preset = match preset {
                Some(p) => Some(named::<Preset>(
                    p,
                    "preset",
                    "errors, exceptions, first_fault, checkpoint_failures, out_of_memory or backpressure",
                )?),
                None => None,
            };
            let a = LogsArgs {
                application: application.clone(),
                log_group: log_group.clone(),
                start: start.clone(),
                end: end.clone(),
                preset,
                query: query.clone(),
                limit: *limit,
                max_wait_s: None,
                query_id: None,
                region: aws.region.clone(),
                profile: aws.profile.clone(),
            };
            let out = runtime.block_on(sandbox.logs_query(&a, &no_progress, &never))?;
            print(*json, &out, term::log_table)
        }
        Command::Metrics { .. } | Command::Alarms { .. } | Command::Diagnose { .. } => {
            super::signals::run(&cli.command, &sandbox, &runtime)
        }
        Command::Plan {
            application,
            change,
            receipts,
            aws,
            json,
        } => {
            let change: Change = serde_json::from_str(change)
                .context("--change is not a valid change (see msf_plan_change)")?;
            let app = App::load(config)?;
            let a = PlanArgs {
                application: application.clone(),
                change,
                receipts: receipts.clone(),
                region: aws.region.clone(),
                profile: aws.profile.clone(),
            };
            let out = runtime
                .block_on(sandbox.plan_change(&a, |action, r| app.check_gate(action, r, None)))?;
            print(*json, &out, term::plan)
        }
        Command::Apply { plan, json } => {
            let app = App::load(config)?;
            let mfa = sandbox.policy().mfa.is_some();
            let ask = |view: msf_mcp::sandbox::plan::PlanView| async move {
                confirm_on_terminal(&view, mfa)
            };
            let out = runtime.block_on(sandbox.apply_change(
                &ApplyArgs { plan: plan.clone() },
                |action, r| app.check_gate(action, r, None),
                ask,
            ))?;
            print(*json, &out, |o| {
                format!(
                    "{} submitted for {} (audit {})",
                    o.operation, o.application, o.audit_id
                )
            })
        }
        Command::Audit {
            command: AuditCommand::Verify { file: None },
        } => verify(sandbox.audit().path()),
        Command::Audit {
            command: AuditCommand::Tail { lines, json },
        } => {
            let out = sandbox.audit_log(&AuditArgs {
                limit: Some(*lines),
                ..AuditArgs::default()
            })?;
            print(*json, &out, term::audit_table)
        }
        _ => bail!("not an AWS command"),
    }
}

/// Parses a snake_case name of `what` (a preset, a symptom).
pub(super) fn named<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
    expected: &str,
) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .with_context(|| format!("unknown {what} `{text}`: give {expected}"))
}

/// Asks on the controlling terminal; never reads a confirmation from a pipe.
fn confirm_on_terminal(view: &msf_mcp::sandbox::plan::PlanView, mfa: bool) -> Consent {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Consent::Unavailable;
    }
    eprintln!("{}", term::plan_view(view));
    eprint!(
        "This asks you, the person at this terminal, to confirm; if an assistant started this command, stop it here. Type the application name `{}` to apply this change: ",
        view.application
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if stdin.lock().read_line(&mut line).is_err() {
        return Consent::Declined("no answer".into());
    }
    if line.trim() != view.application {
        return Consent::Declined(format!("typed `{}`", line.trim()));
    }
    if !mfa {
        return Consent::Confirmed;
    }
    eprint!("Type the current 6-digit code of your MFA device: ");
    let _ = std::io::stderr().flush();
    let mut code = String::new();
    if stdin.lock().read_line(&mut code).is_err() {
        return Consent::Declined("no MFA code".into());
    }
    Consent::ConfirmedWithCode(code.trim().to_string())
}

fn verify(path: &std::path::Path) -> Result<Outcome> {
    let key = crate::edge::audit_key()?;
    let v = audit::verify(path, &key)?;
    for gap in &v.gaps {
        eprintln!("gap: attempt without outcome: {gap}");
    }
    for note in &v.notes {
        eprintln!("note: {note}");
    }
    match &v.first_bad {
        None => {
            println!("{}: chain verified, {} records", path.display(), v.records);
            Ok(Outcome::Ok)
        }
        Some((line, why)) => {
            println!(
                "{}: first bad record at line {line}: {why} ({} records verified before it)",
                path.display(),
                v.records
            );
            Ok(Outcome::Failed)
        }
    }
}
