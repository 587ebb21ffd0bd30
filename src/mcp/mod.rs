//! The MCP server: rmcp `ServerHandler` over [`App`]. Tools, resources and
//! instructions are thin wrappers; this module only parses arguments,
//! calls `App`, and sorts failures the MCP way:
//! - a request the caller can fix (bad arguments, unknown reference, empty
//!   query) is a tool result with `isError: true`, so the model reads why;
//! - an unknown tool is a protocol error (`-32602`);
//! - a fault of the installation is an internal error.

pub mod aws;
mod complete;
mod consent;
pub mod logging;
mod prompts;
mod reply;
mod resources;
mod schema;
pub mod signals;
mod skills;
pub mod tools;

use std::sync::{Arc, OnceLock};

use tokio::sync::watch;

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
        CompleteResult, GetPromptRequestParams, GetPromptResponse, GetSkillRequestParams,
        GetSkillResult, Implementation, ListPromptsResult, ListResourceTemplatesResult,
        ListResourcesResult, ListSkillsResult, ListToolsResult, PaginatedRequestParams,
        ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig, Tool,
    },
    service::RequestContext,
};
use serde::{Serialize, de::DeserializeOwned};

use crate::{api::*, app::App, render, sandbox::Sandbox, workflow::ReadLog};

/// What every client is told at initialize: the load-references-first rule.
pub const INSTRUCTIONS: &str = "msf-mcp is the reference library for Amazon Managed Service for Apache Flink (MSF). \
Rule: route, read, then answer or act. \
1) Call msf_route with the user's question, task or pasted error. \
2) Call msf_read on the references in its read_plan (at least the first; use `section` for the listed anchors when the reference is long). \
3) Answer from what you read and cite `reference#anchor`; beside it you can cite the AWS or Apache page from the section's `sources` (msf_search hits and msf_read carry them). \
Recurring values (runtimes and their Flink/Java versions, connector releases per runtime, KPU shape, quotas, prices, metrics per runtime) are in the resource msf://facts, one canonical answer each. \
MSF facts in these references override generic Apache Flink knowledge (KPU model, service-managed checkpoints and parallelism, `kinesisanalyticsv2` for CLI/SDK but `kinesisanalytics` for IAM, quotas and CloudWatch). \
Use msf_search for one specific fact, msf_refs to browse. \
Actions on an application (start, stop, snapshots, rollback, properties, scaling) are refused until the references they need are read: msf_route lists them under `gates`, and msf_read returns a `receipt` to present. \
Prompts: new-flink-application, flink-question, troubleshoot-restart-loop, scale-review.";

/// The MCP server. Cloning shares the `App`.
///
/// The `App` may still be loading when the client initializes: `initialize`
/// needs nothing from it, so the handshake is answered at once and the first
/// request that needs the references waits for the load to finish.
#[derive(Clone)]
pub struct Server {
    app: Arc<OnceLock<Result<App, String>>>,
    ready: watch::Receiver<bool>,
    tools: Arc<Vec<Tool>>,
    /// What this session read (one `Server` per session).
    reads: ReadLog,
    /// The door to AWS, when the AWS tools are served.
    sandbox: Option<Arc<Sandbox>>,
    /// This session's `logging/setLevel` and log notifications.
    log: logging::ClientLog,
}

impl Server {
    /// A server over a loaded `app`.
    pub fn new(app: App) -> Server {
        let (_, ready) = watch::channel(true);
        Server {
            app: Arc::new(OnceLock::from(Ok(app))),
            ready,
            tools: Arc::new(tools::all()),
            reads: ReadLog::default(),
            sandbox: None,
            log: logging::ClientLog::default(),
        }
    }

    /// A server whose `App` is loaded by `load` on its own thread.
    pub fn loading(load: impl FnOnce() -> crate::error::Result<App> + Send + 'static) -> Server {
        let (done, ready) = watch::channel(false);
        let app = Arc::new(OnceLock::new());
        let cell = Arc::clone(&app);
        std::thread::spawn(move || {
            let result = load().map_err(|e| {
                tracing::error!(error = %e, "cannot load the references");
                format!("msf-mcp could not load its references: {e}")
            });
            let _ = cell.set(result);
            let _ = done.send(true);
        });
        Server {
            app,
            ready,
            tools: Arc::new(tools::all()),
            reads: ReadLog::default(),
            sandbox: None,
            log: logging::ClientLog::default(),
        }
    }

    /// Serves the AWS tools through `sandbox` too.
    pub fn with_sandbox(mut self, sandbox: Arc<Sandbox>) -> Server {
        let mut all = tools::all();
        all.extend(aws::tools());
        self.tools = Arc::new(all);
        self.sandbox = Some(sandbox);
        self
    }

    /// A server for a new session: same references, sandbox and tools, its
    /// own read log. Streamable HTTP calls this once per session.
    pub fn new_session(&self) -> Server {
        Server {
            reads: ReadLog::default(),
            log: logging::ClientLog::default(),
            ..self.clone()
        }
    }

    /// What this session has read so far.
    pub fn reads(&self) -> &ReadLog {
        &self.reads
    }

    /// The loaded `App`, waiting for the load when it is still running.
    async fn app(&self) -> Result<&App, ErrorData> {
        let mut ready = self.ready.clone();
        let _ = ready.wait_for(|r| *r).await;
        match self.app.get() {
            Some(Ok(app)) => Ok(app),
            Some(Err(e)) => Err(ErrorData::internal_error(e.clone(), None)),
            None => Err(ErrorData::internal_error(
                "msf-mcp stopped loading its references",
                None,
            )),
        }
    }

    /// Runs one tool call to completion; `Err` only for an unknown tool or
    /// when the references could not be loaded.
    pub async fn call(
        &self,
        request: &CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.as_ref();
        if !self.tools.iter().any(|t| t.name == name) {
            return Err(self.unknown_tool(name));
        }
        tracing::debug!(tool = name, "tools/call");
        let app = self.app().await?;
        let args = serde_json::Value::Object(request.arguments.clone().unwrap_or_default());
        if let Some(sandbox) = &self.sandbox
            && let Some(result) = aws::call(
                sandbox,
                app,
                &self.reads,
                name,
                args.clone(),
                aws::Answers {
                    responses: request.input_responses.as_ref(),
                    state: request.request_state.as_deref(),
                },
                context,
            )
            .await
        {
            return result;
        }
        let result = match name {
            tools::ROUTE => run(
                name,
                args,
                |a: RouteArgs| app.route(&a, Some(&self.reads)),
                render::route,
            ),
            tools::SEARCH => run(name, args, |a: SearchArgs| app.search(&a), render::search),
            tools::READ => run(
                name,
                args,
                |a: ReadArgs| {
                    let out = app.read(&a)?;
                    self.reads.record(&out.reference, &out.sha256);
                    Ok(out)
                },
                render::read,
            ),
            tools::REFS => run(name, args, |_: RefsArgs| Ok(app.refs()), render::refs),
            other => Err(self.unknown_tool(other)),
        };
        result.map(CallToolResponse::from)
    }

    fn unknown_tool(&self, name: &str) -> ErrorData {
        let known: Vec<&str> = self.tools.iter().map(|t| t.name.as_ref()).collect();
        ErrorData::invalid_params(
            format!(
                "unknown tool `{}`; this server's tools are {}",
                crate::corpus::preview(name, 80),
                known.join(", ")
            ),
            None,
        )
    }
}

/// Parses arguments, runs the tool, and packs the result as
/// `structuredContent` plus its text rendering.
fn run<A, O>(
    name: &str,
    args: serde_json::Value,
    tool: impl FnOnce(A) -> crate::error::Result<O>,
    text: impl FnOnce(&O) -> String,
) -> Result<CallToolResult, ErrorData>
where
    A: DeserializeOwned,
    O: Serialize,
{
    let parsed: A = match reply::parse(name, args) {
        Ok(a) => a,
        Err(r) => return Ok(*r),
    };
    match tool(parsed) {
        Ok(out) => reply::ok(&out, text(&out)),
        Err(e) => reply::fail(e),
    }
}

impl ServerHandler for Server {
    // Logging is deprecated by SEP-2577; 2025-11-25 clients still use it (see `logging`).
    #[allow(deprecated)]
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_completions()
                .enable_logging()
                .enable_prompts()
                .enable_resources()
                .enable_tools()
                .enable_skills()
                .build(),
        )
        .with_server_info(
            Implementation::new("msf-mcp", env!("CARGO_PKG_VERSION"))
                .with_title("msf-mcp: Amazon Managed Service for Apache Flink references"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        use tracing::Instrument;
        // Boxed: the instrumented call future is deep enough to overflow
        // the compiler's layout query in the services that embed it.
        Box::pin(self.call(&request, &context).instrument(self.log.span())).await
    }

    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.log.set_level(request.level, context.peer);
        Ok(())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let mut list = resources::list(self.app().await?);
        if self.sandbox.is_some() {
            list.push(resources::audit_resource());
        }
        Ok(ListResourcesResult::with_all_items(list))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        if request.uri == resources::AUDIT_URI {
            let Some(sandbox) = &self.sandbox else {
                return Err(ErrorData::resource_not_found(
                    "the AWS tools are not served, so there is no audit log",
                    None,
                ));
            };
            return resources::read_audit(sandbox).map(ReadResourceResponse::from);
        }
        resources::read(self.app().await?, &request.uri).map(ReadResourceResponse::from)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        prompts::get(&request.name, request.arguments.as_ref()).map(GetPromptResponse::from)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        Ok(complete::complete(self.app().await?, &request))
    }

    async fn list_skills(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListSkillsResult, ErrorData> {
        let skill = skills::skill(self.app().await?);
        Ok(ListSkillsResult::with_all_items(
            skill.into_iter().collect(),
        ))
    }

    async fn get_skill(
        &self,
        request: GetSkillRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetSkillResult, ErrorData> {
        match skills::skill(self.app().await?) {
            Some(skill) if skill.uri == request.uri => Ok(GetSkillResult::new(skill)),
            _ => Err(ErrorData::invalid_params(
                format!(
                    "no skill at `{}`; list them with skills/list",
                    crate::corpus::preview(&request.uri, 120)
                ),
                None,
            )),
        }
    }
}
