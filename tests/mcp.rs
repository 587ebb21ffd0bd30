//! The MCP server driven in process over `tokio::io::duplex` with rmcp's client.

use msf_mcp::{
    App,
    config::{IndexDir, KnowledgeConfig},
    mcp::Server,
};
use rmcp::{
    ServiceExt,
    model::{CallToolRequestParams, CallToolResult, ReadResourceRequestParams, ResourceContents},
    service::RunningService,
};
use serde_json::{Value, json};

use crate::util::fixtures;

type Client = RunningService<rmcp::RoleClient, ()>;

async fn connect() -> Client {
    let app = App::load(&KnowledgeConfig {
        references: Some(fixtures()),
        index_dir: IndexDir::Memory,
        receipt_key: None,
    })
    .expect("fixture app");
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let running = Server::new(app)
            .serve(server_io)
            .await
            .expect("server starts");
        let _ = running.waiting().await;
    });
    ().serve(client_io).await.expect("client connects")
}

async fn call(client: &Client, name: &str, args: Value) -> CallToolResult {
    let args = args.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
        .await
        .expect("tools/call answered")
}

fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text())
        .map(|t| t.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn initialize_carries_the_route_read_answer_instructions() {
    let client = connect().await;
    let info = client.peer_info().expect("server info");
    let instructions = info.instructions.clone().unwrap_or_default();
    assert!(
        instructions.contains("route, read, then answer"),
        "{instructions}"
    );
    assert!(info.capabilities.tools.is_some() && info.capabilities.resources.is_some());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn lists_four_tools_in_order_with_annotations_and_output_schemas() {
    let client = connect().await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        vec!["msf_route", "msf_search", "msf_read", "msf_refs"]
    );
    for t in &tools {
        let a = t.annotations.as_ref().expect("annotations");
        assert_eq!(
            (
                a.read_only_hint,
                a.destructive_hint,
                a.idempotent_hint,
                a.open_world_hint
            ),
            (Some(true), Some(false), Some(true), Some(false))
        );
        assert!(t.output_schema.is_some(), "{} has an output schema", t.name);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn every_tool_returns_structured_content_and_a_text_mirror() {
    let client = connect().await;
    let r = call(
        &client,
        "msf_route",
        json!({"question": "autoscaling does not scale out", "max_refs": 2}),
    )
    .await;
    assert_eq!(r.is_error, Some(false));
    let s = r.structured_content.clone().unwrap();
    assert_eq!(s["read_plan"][0], "scaling-decisions.md");
    assert!(s["routes"].as_array().unwrap().len() <= 2);
    assert!(text(&r).contains("Read, in order: scaling-decisions.md"));

    let r = call(
        &client,
        "msf_search",
        json!({"query": "lastCheckpointDuration", "limit": 3}),
    )
    .await;
    let s = r.structured_content.clone().unwrap();
    assert_eq!(s["hits"][0]["reference"], "checkpoint-tuning.md");
    assert!(text(&r).contains("checkpoint-tuning.md#"));

    let r = call(&client, "msf_read", json!({"reference": "kinesis-connector-guide.md", "section": "which-records-per-call-setting-applies"})).await;
    let s = r.structured_content.clone().unwrap();
    assert!(s["content"].as_str().unwrap().contains("10000 records"));
    assert!(text(&r).contains("10000 records"));

    let r = call(&client, "msf_refs", json!({})).await;
    let s = r.structured_content.clone().unwrap();
    assert_eq!(s["references"].as_array().unwrap().len(), 3);
    assert!(text(&r).contains("scaling-decisions.md"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn bad_input_is_a_clear_tool_error_and_the_server_keeps_serving() {
    let client = connect().await;
    let cases = [
        (
            "msf_read",
            json!({"reference": "nope.md"}),
            "no reference named `nope.md`",
        ),
        (
            "msf_read",
            json!({"reference": "../../etc/passwd"}),
            "not a reference name",
        ),
        ("msf_search", json!({"query": ""}), "query is empty"),
        ("msf_route", json!({"question": "   "}), "question is empty"),
        (
            "msf_search",
            json!({"query": "x".repeat(1024 * 1024)}),
            "the limit is 32768",
        ),
        (
            "msf_search",
            json!({"query": "kpu", "bogus": 1}),
            "unknown field `bogus`",
        ),
        (
            "msf_search",
            json!({"query": 42}),
            "invalid arguments for msf_search",
        ),
        (
            "msf_read",
            json!({"reference": "checkpoint-tuning.md", "offset": 999999}),
            "past the end",
        ),
        (
            "msf_search",
            json!({"query": "kpu", "reference": "../secrets"}),
            "not a reference name",
        ),
    ];
    for (tool, args, want) in cases {
        let r = call(&client, tool, args.clone()).await;
        assert_eq!(r.is_error, Some(true), "{tool} {args}");
        let t = text(&r);
        assert!(t.contains(want), "{tool}: {t:?} lacks {want:?}");
        assert!(
            t.len() < 2_000,
            "error text stays short even for huge input"
        );
    }
    // An unknown tool is a protocol error, and the server still answers afterwards.
    let err = client
        .call_tool(CallToolRequestParams::new("msf_nope"))
        .await
        .expect_err("unknown tool is an error");
    assert!(err.to_string().contains("unknown tool `msf_nope`"), "{err}");
    let r = call(&client, "msf_refs", json!({})).await;
    assert_eq!(r.is_error, Some(false));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn resources_list_and_read_references() {
    let client = connect().await;
    let resources = client.list_all_resources().await.unwrap();
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris[0], "msf://refs");
    assert!(uris.contains(&"msf://refs/scaling-decisions.md"));
    let r = client
        .read_resource(ReadResourceRequestParams::new(
            "msf://refs/scaling-decisions.md",
        ))
        .await
        .unwrap();
    match &r.contents[0] {
        ResourceContents::TextResourceContents { text, .. } => {
            assert!(text.contains("# Scaling decisions (fixture)"))
        }
        other => panic!("expected text, got {other:?}"),
    }
    let r = client
        .read_resource(ReadResourceRequestParams::new("msf://refs"))
        .await
        .unwrap();
    match &r.contents[0] {
        ResourceContents::TextResourceContents { text, .. } => {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(v["references"].as_array().unwrap().len(), 3);
        }
        other => panic!("expected text, got {other:?}"),
    }
    assert!(uris.contains(&"msf://facts"), "{uris:?}");
    let r = client
        .read_resource(ReadResourceRequestParams::new("msf://facts"))
        .await
        .unwrap();
    match &r.contents[0] {
        ResourceContents::TextResourceContents { text, .. } => {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(v["runtime"][0]["id"], "FLINK-1_20");
            assert!(
                v["fact"][0]["sources"][0]
                    .as_str()
                    .unwrap()
                    .starts_with("https://")
            );
        }
        other => panic!("expected text, got {other:?}"),
    }
    let err = client
        .read_resource(ReadResourceRequestParams::new(
            "msf://refs/../../etc/passwd",
        ))
        .await
        .expect_err("path is refused");
    assert!(err.to_string().contains("not a reference name"), "{err}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_failed_load_is_reported_on_each_call_and_the_server_stays_up() {
    let server = Server::loading(|| {
        Err(msf_mcp::Error::Corpus(
            "folder /x holds no .md files".into(),
        ))
    });
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let running = server.serve(server_io).await.expect("server starts");
        let _ = running.waiting().await;
    });
    let client = ().serve(client_io).await.expect("initialize is answered without the references");
    for _ in 0..2 {
        let err = client
            .call_tool(CallToolRequestParams::new("msf_refs"))
            .await
            .expect_err("no references");
        assert!(
            err.to_string().contains("could not load its references"),
            "{err}"
        );
    }
    assert_eq!(client.list_all_tools().await.unwrap().len(), 4);
    client.cancel().await.unwrap();
}
