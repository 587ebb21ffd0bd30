//! `logging/setLevel` over stdio and Streamable HTTP (the built binary):
//! our events at or above the level reach the client as
//! `notifications/message`, nothing below it does, and no secret goes out.
#![allow(deprecated)] // logging is deprecated by SEP-2577; 2025-11-25 clients use it

use std::time::Duration;

use rmcp::{
    ClientHandler, RoleClient, ServiceExt,
    model::{
        CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation, LoggingLevel,
        LoggingMessageNotificationParam, ProtocolVersion, SetLevelRequestParams,
    },
    service::{NotificationContext, RunningService},
    transport::{
        StreamableHttpClientTransport, TokioChildProcess,
        streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::json;
use tokio::sync::mpsc;

use crate::http::{TOKEN, serve};
use crate::stdio::command;

/// A 2025-11-25 client that hands every log notification to the test.
#[derive(Clone)]
struct Logs(mpsc::UnboundedSender<LoggingMessageNotificationParam>);

impl ClientHandler for Logs {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("logs", "0"),
        )
        .with_protocol_version(ProtocolVersion::V_2025_11_25)
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        let _ = self.0.send(params);
    }
}

async fn call(
    client: &RunningService<RoleClient, Logs>,
    tool: &'static str,
    args: serde_json::Value,
) {
    let r = client
        .call_tool(
            CallToolRequestParams::new(tool).with_arguments(args.as_object().cloned().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false), "{tool}");
}

/// Below the level nothing comes; at it, the tool-call event of this
/// session does, from our crate's logger; the HTTP token never appears.
async fn check(
    client: RunningService<RoleClient, Logs>,
    mut rx: mpsc::UnboundedReceiver<LoggingMessageNotificationParam>,
) {
    let caps = &client.peer_info().unwrap().capabilities;
    assert!(caps.logging.is_some(), "logging capability advertised");
    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Warning))
        .await
        .unwrap();
    call(&client, "msf_refs", json!({})).await;
    client
        .set_level(SetLevelRequestParams::new(LoggingLevel::Debug))
        .await
        .unwrap();
    call(
        &client,
        "msf_route",
        json!({"question": "checkpoint interval"}),
    )
    .await;
    let mut seen = Vec::new();
    let route = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let m = rx.recv().await.expect("log channel open");
            seen.push(m.clone());
            if m.data["tool"] == "msf_route" {
                return m;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no log notification for the msf_route call; got {seen:?}"));
    assert_eq!(route.level, LoggingLevel::Debug);
    assert!(
        route
            .logger
            .as_deref()
            .is_some_and(|l| l.starts_with("msf_mcp")),
        "{route:?}"
    );
    for m in &seen {
        let text = serde_json::to_string(m).unwrap();
        assert!(!text.contains("msf_refs"), "sent below the level: {text}");
        assert!(!text.contains(TOKEN), "a secret went out: {text}");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn set_level_forwards_our_events_over_stdio() {
    let (tx, rx) = mpsc::unbounded_channel();
    let cmd = command();
    let client = Logs(tx)
        .serve(TokioChildProcess::new(cmd).unwrap())
        .await
        .unwrap();
    check(client, rx).await;
}

#[tokio::test]
async fn set_level_forwards_our_events_over_http() {
    let served = serve(Some(TOKEN));
    let url = format!("http://{}/mcp", served.addr);
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url).auth_header(TOKEN),
    );
    let (tx, rx) = mpsc::unbounded_channel();
    let client = Logs(tx).serve(transport).await.unwrap();
    check(client, rx).await;
}
