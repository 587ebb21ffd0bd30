//! Prompts: the skill's workflows as ready-made instructions, each naming
//! the steps and the references to read.

use rmcp::model::{ErrorData, GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};
use serde_json::{Map, Value};

/// Runtimes a user may name, for completion.
pub const RUNTIMES: &[&str] = &[
    "FLINK-2_2",
    "FLINK-2_3",
    "FLINK-1_20",
    "FLINK-1_19",
    "FLINK-1_18",
];

struct Spec {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    arguments: &'static [(&'static str, &'static str, bool)],
}

const SPECS: &[Spec] = &[
    Spec {
        name: "new-flink-application",
        title: "Build a new Flink application for MSF",
        description: "Plan and write a new Managed Service for Apache Flink application the MSF way: best practices, dependencies, connector guides, then code, then local setup.",
        arguments: &[
            (
                "use_case",
                "What the application does: sources, sinks, transformations",
                true,
            ),
            (
                "runtime",
                "Runtime, e.g. FLINK-2_2 (default) or FLINK-1_20",
                false,
            ),
            ("api", "DataStream (default) or Table API / SQL", false),
        ],
    },
    Spec {
        name: "flink-question",
        title: "Answer an MSF or Flink question",
        description: "Answer a question about Flink on MSF from the references: route, read, then answer with citations.",
        arguments: &[("question", "The question, or a pasted error message", true)],
    },
    Spec {
        name: "troubleshoot-restart-loop",
        title: "Find the first fault of a restart loop",
        description: "Diagnose an MSF application that keeps restarting: find the first failure (attempt #0), not the loop's latest noise.",
        arguments: &[
            ("application", "MSF application name", false),
            (
                "symptom",
                "What you see: status flapping, fullRestarts rising, an exception",
                false,
            ),
        ],
    },
    Spec {
        name: "scale-review",
        title: "Review the scaling of an MSF application",
        description: "Decide whether and how to change Parallelism, ParallelismPerKPU or autoscaling, from metrics and the sizing rules.",
        arguments: &[
            ("application", "MSF application name", false),
            ("runtime", "Runtime, e.g. FLINK-2_2", false),
        ],
    },
];

/// Every prompt, in a fixed order.
pub fn list() -> Vec<Prompt> {
    SPECS
        .iter()
        .map(|s| {
            let args = s
                .arguments
                .iter()
                .map(|(n, d, req)| {
                    PromptArgument::new(*n)
                        .with_description(*d)
                        .with_required(*req)
                })
                .collect();
            let mut p = Prompt::new(s.name, Some(s.description), Some(args));
            p.title = Some(s.title.to_string());
            p
        })
        .collect()
}

/// Names of the arguments of prompt `name` (for completion).
pub fn argument_names(name: &str) -> Vec<&'static str> {
    SPECS
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.arguments.iter().map(|a| a.0).collect())
        .unwrap_or_default()
}

/// The prompt `name` with `arguments` filled in.
pub fn get(
    name: &str,
    arguments: Option<&Map<String, Value>>,
) -> Result<GetPromptResult, ErrorData> {
    let Some(spec) = SPECS.iter().find(|s| s.name == name) else {
        let names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        return Err(ErrorData::invalid_params(
            format!(
                "unknown prompt `{}`; prompts are {}",
                crate::corpus::preview(name, 80),
                names.join(", ")
            ),
            None,
        ));
    };
    let arg = |key: &str| -> Option<String> {
        arguments
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| crate::corpus::preview(v, 4_000))
    };
    for (key, _, required) in spec.arguments {
        if *required && arg(key).is_none() {
            return Err(ErrorData::invalid_params(
                format!("prompt `{name}` needs the argument `{key}`"),
                None,
            ));
        }
    }
    let text = match name {
        "new-flink-application" => new_application(
            &arg("use_case").unwrap_or_default(),
            &arg("runtime").unwrap_or_else(|| "FLINK-2_2".into()),
            &arg("api").unwrap_or_else(|| "DataStream".into()),
        ),
        "flink-question" => question(&arg("question").unwrap_or_default()),
        "troubleshoot-restart-loop" => {
            restart_loop(arg("application").as_deref(), arg("symptom").as_deref())
        }
        _ => scale_review(arg("application").as_deref(), arg("runtime").as_deref()),
    };
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(spec.description),
    )
}

fn new_application(use_case: &str, runtime: &str, api: &str) -> String {
    format!(
        "Build a new Amazon Managed Service for Apache Flink application.\n\
Use case: {use_case}\nRuntime: {runtime}. API: {api}.\n\n\
Follow the msf-mcp workflow; read each reference with msf_read before the step that needs it:\n\
1. First establish the user: new to Flink? to MSF? comfortable with Java? Confirm DataStream (default) or Table API/SQL.\n\
2. Read best-practices.md before writing any code (operator uids, no checkpoint or parallelism settings in code, runtime properties, state TTL).\n\
3. Read dependency-management.md and write the pom.xml for {runtime} (provided vs bundled scopes, shade plugin).\n\
4. For each connector the use case names, call msf_route with it and read its guide (kinesis-connector-guide.md, kinesis-efo-guide.md, iceberg-connector-guide.md, cdc-connector-guide.md, aws-connectors-guide.md).\n\
5. Write the application code; check it against best-practices.md.\n\
6. Read environment-setup.md and give the steps to build and run it locally.\n\
7. For deployment, read iac-and-deployment.md; for sizing, resource-optimization.md.\n\
Cite what you used as `reference#anchor`."
    )
}

fn question(q: &str) -> String {
    format!(
        "Answer this question about Flink on Amazon Managed Service for Apache Flink:\n\n{q}\n\n\
1. Call msf_route with the question as written.\n\
2. Read the references in its read_plan with msf_read (at least the first two; use the listed section anchors for long ones). best-practices.md applies to any code.\n\
3. Answer from what you read: MSF rules override generic Flink advice. Give exact identifiers, numbers and commands, and cite `reference#anchor`. Say so when the references do not cover something."
    )
}

fn restart_loop(application: Option<&str>, symptom: Option<&str>) -> String {
    let app = application.unwrap_or("the application");
    let symptom = symptom
        .map(|s| format!("Symptom reported: {s}\n"))
        .unwrap_or_default();
    format!(
        "Diagnose the restart loop of {app} on Amazon Managed Service for Apache Flink.\n{symptom}\n\
Read first-fault-isolation.md with msf_read before anything else; then:\n\
0. When the AWS tools are available, call msf_diagnose with symptom `restarts`: it reads the restart metrics under the runtime's names, the first-fault log lines and the findings' references. Use its evidence below, and msf_metrics (preset `health`, a longer window) to see where the loop began.\n\
1. Find the onset: when fullRestarts (numRestarts on Flink 2.2+) in namespace AWS/KinesisAnalytics went from 0 to above 0.\n\
2. Find the last completed checkpoint before the onset, then the first task failure after it (attempt #0) and its throwableInformation.\n\
3. Separate the trigger from loop sustainers (for example the Kinesis FLIP-27 source's `Partial recovery is not supported`): never report a sustainer as the root cause.\n\
4. If the deepest exception is only a symptom (heartbeat timeout, lost TaskManager), check heap, GC and CPU metrics around the first failure.\n\
5. Report: onset time, first failure, root cause (or 'unknown' when logs and metrics disagree), evidence, and the fix. Read application-lifecycle.md before proposing any stop, start or snapshot action."
    )
}

fn scale_review(application: Option<&str>, runtime: Option<&str>) -> String {
    let app = application.unwrap_or("the application");
    let runtime = runtime
        .map(|r| format!(" (runtime {r})"))
        .unwrap_or_default();
    format!(
        "Review the scaling of {app}{runtime} on Amazon Managed Service for Apache Flink.\n\n\
Read scaling-decisions.md and resource-optimization.md with msf_read first; any change to Parallelism, ParallelismPerKPU or autoscaling is refused until both are read.\n\
1. Gather the current Parallelism, ParallelismPerKPU, autoscaling setting and KPUs (Parallelism / ParallelismPerKPU rounded up, plus one orchestration KPU).\n\
2. Look at containerCPUUtilization, heapMemoryUtilization, backPressuredTimeMsPerSecond and busyTimeMsPerSecond per operator, and source lag (millisBehindLatest or records lag): with the AWS tools, msf_diagnose (symptom `slow`) and msf_metrics (presets `resources`, `lag`, `backpressure`, `kpus`) read them for you; say which it could not read and why.\n\
3. Decide: scale out, scale in, change ParallelismPerKPU, fix a bottleneck operator or skew instead, or leave it. Note that a change restarts the job from a snapshot.\n\
4. Give the expected KPU and monthly cost change (pricing-calculator.md) and the exact UpdateApplication request."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_prompts_with_their_references_and_arguments() {
        let names: Vec<String> = list().into_iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            vec![
                "new-flink-application",
                "flink-question",
                "troubleshoot-restart-loop",
                "scale-review"
            ]
        );
        let mut args = Map::new();
        args.insert(
            "use_case".into(),
            Value::String("Kinesis to Iceberg".into()),
        );
        let r = get("new-flink-application", Some(&args)).unwrap();
        let text = serde_json::to_string(&r.messages).unwrap();
        assert!(
            text.contains("best-practices.md")
                && text.contains("Kinesis to Iceberg")
                && text.contains("FLINK-2_2")
        );
        let r = get("troubleshoot-restart-loop", None).unwrap();
        assert!(
            serde_json::to_string(&r.messages)
                .unwrap()
                .contains("first-fault-isolation.md")
        );
        let r = get("scale-review", None).unwrap();
        let text = serde_json::to_string(&r.messages).unwrap();
        assert!(text.contains("scaling-decisions.md") && text.contains("resource-optimization.md"));
        assert!(text.contains("msf_diagnose") && text.contains("msf_metrics"));
        let r = get("troubleshoot-restart-loop", None).unwrap();
        assert!(
            serde_json::to_string(&r.messages)
                .unwrap()
                .contains("msf_diagnose with symptom `restarts`")
        );
    }

    #[test]
    fn missing_required_arguments_and_unknown_prompts_are_clear_errors() {
        let e = get("flink-question", None).unwrap_err();
        assert!(e.message.contains("needs the argument `question`"));
        let e = get("nope", None).unwrap_err();
        assert!(e.message.contains("unknown prompt `nope`"));
    }
}
