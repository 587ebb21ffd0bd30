//! The load-references-first workflow over MCP, on the real references:
//! receipts, session memory, gates, prompts, skills and completions.

use std::collections::HashMap;

use msf_mcp::{
    App,
    config::{IndexDir, KnowledgeConfig},
    mcp::Server,
    workflow::gates::Action,
};
use rmcp::{
    ServiceExt,
    model::{
        ArgumentInfo, CallToolRequestParams, CompleteRequestParams, CompletionContext,
        GetPromptRequestParams, GetSkillRequestParams, ReadResourceRequestParams, Reference,
        ResourceContents, SkillResources,
    },
    service::RunningService,
};
use serde_json::{Value, json};

use crate::util::real_references;

type Client = RunningService<rmcp::RoleClient, ()>;

async fn connect() -> (Client, App, Server) {
    let app = App::load(&KnowledgeConfig {
        references: Some(real_references()),
        index_dir: IndexDir::Memory,
        receipt_key: None,
    })
    .expect("app");
    let server = Server::new(app.clone());
    let (server_io, client_io) = tokio::io::duplex(256 * 1024);
    let s = server.clone();
    tokio::spawn(async move {
        let running = s.serve(server_io).await.expect("server starts");
        let _ = running.waiting().await;
    });
    (
        ().serve(client_io).await.expect("client connects"),
        app,
        server,
    )
}

async fn call(client: &Client, name: &str, args: Value) -> Value {
    let r = client
        .call_tool(
            CallToolRequestParams::new(name.to_string())
                .with_arguments(args.as_object().cloned().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{name}: {:?}", r.content);
    r.structured_content.unwrap()
}

#[tokio::test]
async fn reading_issues_receipts_that_open_gates_and_the_session_remembers() {
    let (client, app, server) = connect().await;
    let route = call(
        &client,
        "msf_route",
        json!({"question": "How do I start the application from the latest snapshot?"}),
    )
    .await;
    assert_eq!(route["read_plan"][0], "application-lifecycle.md");
    let start = route["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["action"] == "start")
        .expect("start gate");
    assert_eq!(start["needs"], json!(["application-lifecycle.md"]));
    assert_eq!(start["satisfied"], false);

    // Before reading: refused, naming the reference and sections to read.
    let refusal = app
        .check_gate(Action::Start, &[], Some(server.reads()))
        .unwrap_err()
        .to_string();
    assert!(
        refusal.contains("application-lifecycle.md") && refusal.contains("start with sections #"),
        "{refusal}"
    );

    let read = call(
        &client,
        "msf_read",
        json!({"reference": "application-lifecycle.md", "max_chars": 200}),
    )
    .await;
    let receipt = read["receipt"].as_str().unwrap().to_string();
    assert!(receipt.len() > 40);
    // The session remembers the read...
    assert_eq!(
        server.reads().references(),
        vec!["application-lifecycle.md"]
    );
    assert!(
        app.check_gate(Action::Stop, &[], Some(server.reads()))
            .is_ok()
    );
    let route = call(
        &client,
        "msf_route",
        json!({"question": "How do I start the application from the latest snapshot?"}),
    )
    .await;
    let start = route["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["action"] == "start")
        .unwrap();
    assert_eq!(start["satisfied"], true);
    // ...and the receipt proves it without the session (another instance, same key would too).
    assert!(
        app.check_gate(Action::Rollback, std::slice::from_ref(&receipt), None)
            .is_ok()
    );
    // It does not open a gate that needs other references, and an altered one opens nothing.
    let e = app
        .check_gate(
            Action::UpdateParallelism,
            std::slice::from_ref(&receipt),
            None,
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("scaling-decisions.md and resource-optimization.md"),
        "{e}"
    );
    let mut altered = receipt.clone();
    altered.insert(10, 'x');
    assert!(app.check_gate(Action::Start, &[altered], None).is_err());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn prompts_name_their_steps_and_references() {
    let (client, _, _) = connect().await;
    let prompts = client.list_all_prompts().await.unwrap();
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "new-flink-application",
            "flink-question",
            "troubleshoot-restart-loop",
            "scale-review"
        ]
    );
    let mut args = serde_json::Map::new();
    args.insert("application".into(), json!("orders-enricher"));
    let p = client
        .get_prompt(GetPromptRequestParams::new("troubleshoot-restart-loop").with_arguments(args))
        .await
        .unwrap();
    let text = serde_json::to_string(&p.messages).unwrap();
    assert!(
        text.contains("orders-enricher")
            && text.contains("first-fault-isolation.md")
            && text.contains("attempt #0")
    );
    let err = client
        .get_prompt(GetPromptRequestParams::new("flink-question"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("needs the argument `question`"),
        "{err}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_skill_is_served_with_digests_and_its_files_read_back() {
    let (client, _, _) = connect().await;
    let skills = client.list_all_skills().await.unwrap();
    assert_eq!(skills.len(), 1);
    let skill = &skills[0];
    assert_eq!(
        skill.uri,
        "skill://developing-applications-on-managed-service-for-apache-flink/SKILL.md"
    );
    skill.validate().unwrap();
    let SkillResources::Files(files) = &skill.resources else {
        panic!("static skill")
    };
    assert_eq!(files.len(), crate::util::reference_files());
    for file in files
        .iter()
        .filter(|f| f.uri.ends_with("SKILL.md") || f.uri.ends_with("checkpoint-tuning.md"))
    {
        let r = client
            .read_resource(ReadResourceRequestParams::new(file.uri.clone()))
            .await
            .unwrap();
        let ResourceContents::TextResourceContents { text, .. } = &r.contents[0] else {
            panic!("text")
        };
        file.verify(text.as_bytes())
            .expect("digest matches the bytes served");
    }
    let got = client
        .get_skill(GetSkillRequestParams::new(skill.uri.clone()))
        .await
        .unwrap();
    assert_eq!(&got.skill, skill);
    assert!(
        client
            .get_skill(GetSkillRequestParams::new("skill://nope/SKILL.md"))
            .await
            .is_err()
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn completions_offer_reference_names_and_section_anchors() {
    let (client, _, _) = connect().await;
    let r = client
        .complete(CompleteRequestParams::new(
            Reference::for_resource("msf://refs/{reference}"),
            ArgumentInfo::new("reference", "check"),
        ))
        .await
        .unwrap();
    assert_eq!(r.completion.values, vec!["checkpoint-tuning.md"]);
    let context = CompletionContext::with_arguments(HashMap::from([(
        "reference".to_string(),
        "checkpoint-tuning.md".to_string(),
    )]));
    let r = client
        .complete(
            CompleteRequestParams::new(
                Reference::for_resource("msf://refs/{reference}/{section}"),
                ArgumentInfo::new("section", "how"),
            )
            .with_context(context),
        )
        .await
        .unwrap();
    assert!(!r.completion.values.is_empty());
    assert!(
        r.completion.values.iter().all(|v| v.starts_with("how")),
        "{:?}",
        r.completion.values
    );
    let section = r.completion.values[0].clone();
    let read = client
        .read_resource(ReadResourceRequestParams::new(format!(
            "msf://refs/checkpoint-tuning.md/{section}"
        )))
        .await
        .unwrap();
    let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("text")
    };
    assert!(text.starts_with("## "), "{text}");
    let r = client
        .complete(CompleteRequestParams::new(
            Reference::for_prompt("scale-review"),
            ArgumentInfo::new("runtime", "FLINK-2"),
        ))
        .await
        .unwrap();
    assert_eq!(r.completion.values, vec!["FLINK-2_2", "FLINK-2_3"]);
    client.cancel().await.unwrap();
}
