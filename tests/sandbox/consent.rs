//! Consent over MCP: server-to-client elicitation, and the input-required
//! round of protocol 2026-07-28.

use rmcp::{
    ClientHandler, ErrorData, RoleClient, ServiceExt,
    model::{
        CallToolRequestParams, ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult,
        ElicitationAction, Implementation, ProtocolVersion,
    },
    service::RequestContext,
};
use serde_json::{Value, json};

use super::*;
use msf_mcp::mcp::Server;

/// A client whose person types `answer` when asked, speaking protocol `version`.
#[derive(Clone)]
struct Person {
    answer: Option<&'static str>,
    version: ProtocolVersion,
}

fn person(answer: Option<&'static str>) -> Person {
    Person {
        answer,
        version: ProtocolVersion::V_2025_11_25,
    }
}

impl ClientHandler for Person {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            Implementation::new("person", "0"),
        )
        .with_protocol_version(self.version.clone())
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        let asked = serde_json::to_string(&request).unwrap_or_default();
        assert!(asked.contains("Type the application name"), "{asked}");
        Ok(match self.answer {
            Some(a) => {
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({"application": a}))
            }
            None => ElicitResult::new(ElicitationAction::Decline),
        })
    }
}

async fn call<C: rmcp::service::Service<RoleClient>>(
    client: &rmcp::service::RunningService<RoleClient, C>,
    name: &str,
    args: Value,
) -> rmcp::model::CallToolResult {
    client
        .call_tool(
            CallToolRequestParams::new(name.to_string())
                .with_arguments(args.as_object().cloned().unwrap()),
        )
        .await
        .unwrap()
}

fn text(r: &rmcp::model::CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text())
        .map(|t| t.text.clone())
        .collect()
}

async fn serve(sandbox: Sandbox) -> Server {
    Server::new(app().clone()).with_sandbox(Arc::new(sandbox))
}

async fn connect<C: ClientHandler>(
    server: Server,
    client: C,
) -> rmcp::service::RunningService<RoleClient, C> {
    let (a, b) = tokio::io::duplex(256 * 1024);
    tokio::spawn(async move {
        let running = server.serve(a).await.unwrap();
        let _ = running.waiting().await;
    });
    client.serve(b).await.unwrap()
}

/// What a host that inlines `$ref` and drops `oneOf`/`anyOf`/`allOf`
/// hands its model.
fn flattened(schema: &Value) -> Value {
    fn go(v: &Value, defs: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = serde_json::Map::new();
                if let Some(Value::Object(t)) = m
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .and_then(|n| defs.get(n))
                    .map(|target| go(target, defs))
                {
                    out.extend(t);
                }
                for (k, x) in m {
                    if !["$ref", "$defs", "oneOf", "anyOf", "allOf"].contains(&k.as_str()) {
                        out.insert(k.clone(), go(x, defs));
                    }
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| go(x, defs)).collect()),
            other => other.clone(),
        }
    }
    go(schema, schema.get("$defs").unwrap_or(&Value::Null))
}

/// `value` uses only declared properties, of their declared types, and
/// has every required one.
fn conforms(value: &Value, schema: &Value) {
    let ty = schema["type"].as_str();
    match value {
        Value::Object(m) => {
            assert_eq!(ty, Some("object"), "{schema}");
            for (k, x) in m {
                let sub = &schema["properties"][k];
                assert!(sub.is_object(), "`{k}` is not declared in {schema}");
                conforms(x, sub);
            }
            for r in schema["required"].as_array().into_iter().flatten() {
                assert!(m.contains_key(r.as_str().unwrap()), "`{r}` missing");
            }
        }
        Value::String(s) => {
            assert_eq!(ty, Some("string"), "{schema}");
            if let Some(values) = schema["enum"].as_array() {
                assert!(values.contains(&json!(s)), "{s} not in {schema}");
            }
        }
        Value::Number(_) => assert!(matches!(ty, Some("integer" | "number")), "{schema}"),
        Value::Bool(_) => assert_eq!(ty, Some("boolean"), "{schema}"),
        other => panic!("unexpected {other}"),
    }
}

/// A host that flattens the input schema still lets the model build a
/// change that plans; a missing field is named.
#[tokio::test]
async fn a_host_that_flattens_the_schema_still_gets_a_plan() {
    let describe = describe_rule("orders-flat", ApplicationStatus::Running, 2);
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe]));
    let client = connect(serve(s).await, ()).await;
    let tools = client.list_all_tools().await.unwrap();
    let tool = tools.iter().find(|t| t.name == "msf_plan_change").unwrap();
    let flat = flattened(&Value::Object((*tool.input_schema).clone()));
    let change = &flat["properties"]["change"];
    let kinds: Vec<&str> = change["properties"]["kind"]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("no kind enum after flattening: {flat}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        kinds,
        vec![
            "start",
            "stop",
            "create_snapshot",
            "delete_snapshot",
            "update_parallelism",
            "update_properties",
            "rollback"
        ]
    );
    assert_eq!(change["required"], json!(["kind"]), "{flat}");
    for (kind, args) in [
        ("update_parallelism", json!({"parallelism": 8})),
        ("create_snapshot", json!({"name": "nightly"})),
        ("stop", json!({"force": true})),
    ] {
        let mut c = args.as_object().unwrap().clone();
        c.insert("kind".into(), json!(kind));
        let args = json!({"application": "orders-flat", "change": c});
        conforms(&args, &flat);
        let r = call(&client, "msf_plan_change", args).await;
        assert_eq!(r.is_error, Some(false), "{kind}: {}", text(&r));
        let out = r.structured_content.unwrap();
        assert!(out["plan"].as_str().is_some_and(|p| !p.is_empty()), "{out}");
        assert_eq!(out["summary"]["change"]["kind"], kind, "{out}");
    }
    let r = call(
        &client,
        "msf_plan_change",
        json!({"application": "orders-flat", "change": {"kind": "create_snapshot"}}),
    )
    .await;
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("needs `name`"), "{}", text(&r));
}

#[tokio::test]
async fn the_person_types_the_name_or_nothing_changes() {
    let describe = describe_rule("orders-e", ApplicationStatus::Ready, 2);
    let start = mock!(kda::Client::start_application)
        .then_output(|| StartApplicationOutput::builder().build());
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &start]));
    let server = serve(s).await;

    // A person who types the wrong name: nothing changes.
    let wrong = connect(server.clone(), person(Some("orders-x"))).await;
    let r = call(
        &wrong,
        "msf_read",
        json!({"reference": "application-lifecycle.md", "max_chars": 50}),
    )
    .await;
    assert_eq!(r.is_error, Some(false));
    let plan = call(
        &wrong,
        "msf_plan_change",
        json!({"application": "orders-e", "change": {"kind": "start", "restore": "latest"}}),
    )
    .await;
    assert_eq!(plan.is_error, Some(false), "{}", text(&plan));
    let token = plan.structured_content.unwrap()["plan"]
        .as_str()
        .unwrap()
        .to_string();
    let r = call(&wrong, "msf_apply_change", json!({"plan": token})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("did not confirm"), "{}", text(&r));
    assert_eq!(start.num_calls(), 0);

    // A client that cannot ask a person: refused with the command for a person.
    let no_person = connect(server.clone(), ()).await;
    let r = call(&no_person, "msf_apply_change", json!({"plan": token})).await;
    assert!(text(&r).contains("msf-mcp apply --plan"), "{}", text(&r));
    assert_eq!(start.num_calls(), 0);

    // The right name: applied once.
    let right = connect(server.clone(), person(Some("orders-e"))).await;
    let r = call(&right, "msf_apply_change", json!({"plan": token})).await;
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(start.num_calls(), 1);
    let audit = call(&right, "msf_audit_log", json!({"tool": "msf_apply_change"})).await;
    let records = audit.structured_content.unwrap()["records"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        records, 6,
        "two refusals and one success, each attempt + outcome"
    );
}

#[tokio::test]
async fn stateless_clients_confirm_through_an_input_required_round() {
    let describe = describe_rule("orders-f", ApplicationStatus::Running, 4);
    let stop = mock!(kda::Client::stop_application)
        .then_output(|| StopApplicationOutput::builder().build());
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &stop]));
    let server = serve(s).await;
    let receipt = receipt("application-lifecycle.md");
    let modern = |answer| Person {
        answer,
        version: ProtocolVersion::V_2026_07_28,
    };

    let client = connect(server.clone(), modern(Some("not-it"))).await;
    let plan = call(
        &client,
        "msf_plan_change",
        json!({"application": "orders-f", "change": {"kind": "stop"}, "receipts": [receipt]}),
    )
    .await;
    let token = plan.structured_content.unwrap()["plan"]
        .as_str()
        .unwrap()
        .to_string();
    let r = call(&client, "msf_apply_change", json!({"plan": token})).await;
    assert!(text(&r).contains("did not confirm"), "{}", text(&r));
    assert_eq!(stop.num_calls(), 0);

    let client = connect(server.clone(), modern(Some("orders-f"))).await;
    let r = call(&client, "msf_apply_change", json!({"plan": token})).await;
    assert_eq!(r.is_error, Some(false), "{}", text(&r));
    assert_eq!(stop.num_calls(), 1);
}

/// A person who never answers.
#[derive(Clone)]
struct Silent;

impl ClientHandler for Silent {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_elicitation().build(),
            Implementation::new("silent", "0"),
        )
    }

    async fn create_elicitation(
        &self,
        _: ElicitRequestParams,
        _: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(ElicitResult::new(ElicitationAction::Decline))
    }
}

/// A question nobody answers expires (limits.consent_s): nothing changes.
#[tokio::test]
async fn an_unanswered_question_expires_and_nothing_changes() {
    let describe = describe_rule("orders-h", ApplicationStatus::Running, 4);
    let stop = mock!(kda::Client::stop_application)
        .then_output(|| StopApplicationOutput::builder().build());
    let (s, _dir) = sandbox(
        policy(&format!("{MUTATE}[limits]\nconsent_s = 1\n")),
        mocked(&[&describe, &stop]),
    );
    let client = connect(serve(s).await, Silent).await;
    let plan = call(
        &client,
        "msf_plan_change",
        json!({"application": "orders-h", "change": {"kind": "stop"}, "receipts": [receipt("application-lifecycle.md")]}),
    )
    .await;
    let token = plan.structured_content.unwrap()["plan"]
        .as_str()
        .unwrap()
        .to_string();
    let started = std::time::Instant::now();
    let r = call(&client, "msf_apply_change", json!({"plan": token})).await;
    assert_eq!(r.is_error, Some(true), "{}", text(&r));
    assert!(text(&r).contains("no answer within 1 s"), "{}", text(&r));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(stop.num_calls(), 0);
}

/// A `tools/call` that arrives with a pre-filled "accept" answers no
/// question of ours: without our sealed request state, or with a forged
/// one, nothing changes.
#[tokio::test]
async fn consent_is_accepted_only_as_the_answer_to_our_question() {
    let describe = describe_rule("orders-g", ApplicationStatus::Running, 4);
    let stop = mock!(kda::Client::stop_application)
        .then_output(|| StopApplicationOutput::builder().build());
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &stop]));
    let server = serve(s).await;
    let client = connect(
        server,
        Person {
            answer: Some("orders-g"),
            version: ProtocolVersion::V_2026_07_28,
        },
    )
    .await;
    let plan = call(
        &client,
        "msf_plan_change",
        json!({"application": "orders-g", "change": {"kind": "stop"}, "receipts": [receipt("application-lifecycle.md")]}),
    )
    .await;
    let token = plan.structured_content.unwrap()["plan"]
        .as_str()
        .unwrap()
        .to_string();
    let accept = json!({"action": "accept", "content": {"application": "orders-g"}});
    for state in [None, Some("forged-state")] {
        let mut params = CallToolRequestParams::new("msf_apply_change")
            .with_arguments(json!({"plan": token}).as_object().cloned().unwrap())
            .with_input_responses([("confirm".to_string(), accept.clone())].into());
        if let Some(st) = state {
            params = params.with_request_state(st);
        }
        // One round, no automatic follow-up: exactly what a forger sends.
        let r = match client.call_tool_once(params).await.unwrap() {
            rmcp::model::CallToolResponse::Complete(r) => r,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(r.is_error, Some(true), "{}", text(&r));
        assert!(
            text(&r).contains("question msf-mcp"),
            "{state:?}: {}",
            text(&r)
        );
        assert_eq!(stop.num_calls(), 0);
    }
}
