//! Entry point: tracing to stderr (stdout belongs to MCP), parse the command
//! line, run; errors print once as a chain, with exit code 2 (1 for a check
//! that found problems).

mod cli;
mod edge;
mod http;
mod stdout_guard;

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use rmcp::ServiceExt;

use cli::{Cli, Command, Outcome};
use msf_mcp::{App, mcp::Server};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(matches!(cli.command, Command::Serve { .. }));
    let result = match cli.command {
        Command::Serve { .. } => serve(&cli),
        _ => cli::run(&cli),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn serve(cli: &Cli) -> anyhow::Result<Outcome> {
    let config = cli.source.config()?;
    // Fail at start, with exit code 2, when the references folder is unusable;
    // the (slower) parse and index open then run while the client initializes.
    if let Some(dir) = &config.references {
        anyhow::ensure!(dir.is_dir(), "--references {}: not a folder", dir.display());
    }
    // The policy is checked before serving: an invalid one stops the server here.
    edge::policy(cli.source.config.as_deref())?;
    // Without an audit key (no MSF_MCP_AUDIT_KEY and no home folder to keep one
    // in), or with an audit log that cannot be opened as a trustworthy chain
    // (head file missing, unreadable or behind, last record unreadable), the
    // AWS tools are not served; the references still are, and `msf-mcp doctor`
    // and `msf-mcp audit verify` say what is wrong.
    let sandbox = match edge::audit_key().and_then(|audit_key| {
        edge::sandbox_with(
            cli.source.config.as_deref(),
            config.receipt_key.as_deref().unwrap_or_default(),
            &audit_key,
        )
    }) {
        Ok(sandbox) => Some(std::sync::Arc::new(sandbox)),
        Err(e) => {
            tracing::warn!("AWS tools not served: {e:#}");
            None
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let server = Server::loading(move || {
            let app = App::load(&config)?;
            tracing::info!(
                references = app.corpus().docs().len(),
                corpus = app.corpus().origin(),
                "references loaded"
            );
            Ok(app)
        });
        let server = match sandbox {
            Some(sandbox) => server.with_sandbox(sandbox),
            None => server,
        };
        if let Command::Serve {
            http: Some(addr),
            allow_remote,
            allowed_origins,
            limits,
        } = &cli.command
        {
            let opts = http::HttpOptions {
                token: std::env::var("MSF_MCP_HTTP_TOKEN")
                    .ok()
                    .filter(|t| !t.is_empty()),
                allowed_origins: allowed_origins.clone(),
                allow_remote: *allow_remote,
                limits: limits.clone(),
            };
            let listener = http::bind(*addr, &opts).await?;
            http::serve(server, listener, opts).await?;
            return Ok(Outcome::Ok);
        }
        let service = server
            .serve(msf_mcp::stdio::StdioTransport::new(
                tokio::io::stdin(),
                stdout_guard::GuardedStdout::default(),
            ))
            .await
            .context("MCP handshake failed")?;
        service.waiting().await.context("MCP service stopped")?;
        Ok(Outcome::Ok)
    })
}

/// Logs to stderr (filtered by `RUST_LOG`); when serving, our own events
/// also go to the MCP clients that ask for them with `logging/setLevel`.
fn init_tracing(serving: bool) {
    use tracing_subscriber::{Layer, layer::SubscriberExt, util::SubscriberInitExt};
    let default = if serving { "warn,msf_mcp=info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_filter(filter);
    let clients = serving.then(|| {
        msf_mcp::mcp::logging::ClientLogLayer::new().with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("msf_mcp", tracing::Level::DEBUG),
        )
    });
    tracing_subscriber::registry()
        .with(stderr)
        .with(clients)
        .init();
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
