//! The off-box copy of the audit log: every record, chain fields included,
//! also goes to a CloudWatch Logs group, so that a local writer who can
//! rewrite the file (and holds the key) cannot rewrite the copy. With
//! `sink_failure = "refuse"` (the default) a change whose attempt record
//! cannot be shipped is not made.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use tokio::sync::OnceCell;

use super::{aws, aws::AwsSettings, policy::AuditSink};

/// Attempts per record.
const ATTEMPTS: u32 = 3;

/// Ships audit records to CloudWatch Logs.
#[derive(Debug)]
pub(crate) struct Sink {
    group: String,
    stream: String,
    refuse: bool,
    settings: AwsSettings,
    /// The client, made (with the group and stream) on the first record.
    client: OnceCell<aws_sdk_cloudwatchlogs::Client>,
}

impl Sink {
    /// A sink for `cfg`, writing to a log stream of its own (host, process, start).
    pub(crate) fn new(cfg: &AuditSink, settings: AwsSettings) -> Sink {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".into());
        let stream = format!("msf-mcp/{host}/{}/{}", std::process::id(), now_ms());
        Sink {
            group: cfg.log_group.clone(),
            stream: stream.chars().filter(|c| *c != ':' && *c != '*').collect(),
            refuse: cfg.refuse_on_failure,
            settings,
            client: OnceCell::new(),
        }
    }

    /// Whether a change must be refused when its attempt cannot be shipped.
    pub(crate) fn refuses(&self) -> bool {
        self.refuse
    }

    /// The log group.
    pub(crate) fn group(&self) -> &str {
        &self.group
    }

    /// Sends one record line, with retries; the error says why it failed.
    pub(crate) async fn ship(&self, line: &str) -> Result<(), String> {
        let client = self.client.get_or_try_init(|| self.connect()).await?;
        let event = InputLogEvent::builder()
            .timestamp(now_ms())
            .message(line.trim_end())
            .build()
            .map_err(|e| e.to_string())?;
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            match client
                .put_log_events()
                .log_group_name(&self.group)
                .log_stream_name(&self.stream)
                .log_events(event.clone())
                .send()
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) => {
                    last = aws_sdk_cloudwatchlogs::error::DisplayErrorContext(&e).to_string();
                    if attempt + 1 < ATTEMPTS {
                        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                    }
                }
            }
        }
        Err(format!(
            "CloudWatch Logs group `{}` did not take the record after {ATTEMPTS} attempts: {last}",
            self.group
        ))
    }

    /// The client, once the group (when missing) and this process's stream exist.
    /// Its credentials provider refreshes itself, so one client serves the process.
    async fn connect(&self) -> Result<aws_sdk_cloudwatchlogs::Client, String> {
        let config = aws::config(&self.settings, None, None, "audit-sink").await;
        let client = aws_sdk_cloudwatchlogs::Client::new(&config);
        self.create(&client).await?;
        Ok(client)
    }

    /// Creates the group (when missing) and this process's stream.
    async fn create(&self, client: &aws_sdk_cloudwatchlogs::Client) -> Result<(), String> {
        let exists = |msg: &str| msg.contains("ResourceAlreadyExists");
        if let Err(e) = client
            .create_log_group()
            .log_group_name(&self.group)
            .send()
            .await
        {
            let msg = aws_sdk_cloudwatchlogs::error::DisplayErrorContext(&e).to_string();
            if !exists(&msg) {
                return Err(format!(
                    "cannot create CloudWatch Logs group `{}`: {msg}",
                    self.group
                ));
            }
        }
        match client
            .create_log_stream()
            .log_group_name(&self.group)
            .log_stream_name(&self.stream)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let msg = aws_sdk_cloudwatchlogs::error::DisplayErrorContext(&e).to_string();
                if exists(&msg) {
                    Ok(())
                } else {
                    Err(format!(
                        "cannot create log stream `{}` in `{}`: {msg}",
                        self.stream, self.group
                    ))
                }
            }
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
