//! Private to the sandbox: CloudWatch Logs queries. Logs Insights with
//! presets for MSF's JSON logs, polled until done (with progress and
//! cancellation), capped; FilterLogEvents when Insights is unavailable.

use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::{Client, types::QueryStatus};

use super::{
    errors::{AwsError, AwsResult, Kind, from_sdk},
    types::{LogRow, LogsResult},
};

/// Named queries over MSF's JSON application logs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Records logged at ERROR.
    Errors,
    /// Records mentioning an exception.
    Exceptions,
    /// The first task failures, oldest first: where a restart loop began.
    FirstFault,
    /// Checkpoint failures, expiries and declines.
    CheckpointFailures,
    /// OutOfMemoryError and memory pressure.
    OutOfMemory,
    /// Backpressure warnings.
    Backpressure,
}

impl Preset {
    /// The Logs Insights query (without the limit).
    pub fn insights(self) -> &'static str {
        match self {
            Preset::Errors => {
                "fields @timestamp, @message, messageType, logger, message, throwableInformation | filter messageType = \"ERROR\" | sort @timestamp desc"
            }
            Preset::Exceptions => {
                "fields @timestamp, @message, logger, message, throwableInformation | filter @message like /Exception|Error:/ | sort @timestamp desc"
            }
            Preset::FirstFault => {
                "fields @timestamp, @message, logger, message, throwableInformation | filter message like /switched from RUNNING to FAILED|switched from state RUNNING to|Recovering subtask|Triggering job failover/ | sort @timestamp asc"
            }
            Preset::CheckpointFailures => {
                "fields @timestamp, @message, message, throwableInformation | filter @message like /Checkpoint/ and @message like /expired|declined|failed|Failure|timeout/ | sort @timestamp desc"
            }
            Preset::OutOfMemory => {
                "fields @timestamp, @message, logger, message, throwableInformation | filter @message like /OutOfMemoryError|GC overhead|Java heap space|Metaspace/ | sort @timestamp desc"
            }
            Preset::Backpressure => {
                "fields @timestamp, @message, logger, message | filter @message like /[Bb]ack ?pressure|backPressured/ | sort @timestamp desc"
            }
        }
    }

    /// A plain term for FilterLogEvents, which has no regular expressions.
    pub fn filter_term(self) -> &'static str {
        match self {
            Preset::Errors => "ERROR",
            Preset::Exceptions => "Exception",
            Preset::FirstFault => "switched from RUNNING",
            Preset::CheckpointFailures => "Checkpoint",
            Preset::OutOfMemory => "OutOfMemoryError",
            Preset::Backpressure => "backpressure",
        }
    }

    /// Whether the oldest records matter most.
    fn oldest_first(self) -> bool {
        matches!(self, Preset::FirstFault)
    }
}

/// One query to run.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    /// Log group.
    pub log_group: &'a str,
    /// Start and end, unix seconds.
    pub start: i64,
    /// See `start`.
    pub end: i64,
    /// Insights query text (without `limit`).
    pub text: String,
    /// Term for the FilterLogEvents fallback.
    pub filter_term: Option<String>,
    /// Oldest records first (for the fallback).
    pub oldest_first: bool,
    /// Most rows.
    pub limit: i32,
    /// Longest wait for results.
    pub max_wait: Duration,
    /// Resume this query instead of starting one.
    pub query_id: Option<String>,
}

impl Preset {
    /// The query for this preset.
    pub fn query<'a>(
        self,
        log_group: &'a str,
        start: i64,
        end: i64,
        limit: i32,
        max_wait: Duration,
    ) -> Query<'a> {
        Query {
            log_group,
            start,
            end,
            text: self.insights().to_string(),
            filter_term: Some(self.filter_term().to_string()),
            oldest_first: self.oldest_first(),
            limit,
            max_wait,
            query_id: None,
        }
    }
}

/// Runs `q`: Logs Insights, polled every 500 ms until done, `max_wait`, or
/// `cancelled()`; falls back to FilterLogEvents when Insights is refused.
pub async fn run(
    client: &Client,
    q: &Query<'_>,
    progress: &(dyn Fn(u64) + Send + Sync),
    cancelled: &(dyn Fn() -> bool + Send + Sync),
) -> AwsResult<(LogsResult, Vec<String>)> {
    let text = format!("{} | limit {}", q.text, q.limit);
    let mut ids = Vec::new();
    let query_id = match &q.query_id {
        Some(id) => id.clone(),
        None => match client
            .start_query()
            .log_group_name(q.log_group)
            .start_time(q.start)
            .end_time(q.end)
            .query_string(&text)
            .limit(q.limit)
            .send()
            .await
        {
            Ok(out) => out.query_id().unwrap_or_default().to_string(),
            Err(e) => {
                let err = from_sdk("logs:StartQuery")(e);
                if matches!(err.kind, Kind::Unavailable | Kind::Invalid) && q.filter_term.is_some()
                {
                    tracing::info!(error = %err, "Logs Insights unavailable; using FilterLogEvents");
                    return filter(client, q).await;
                }
                return Err(err);
            }
        },
    };
    let started = Instant::now();
    loop {
        let out = client
            .get_query_results()
            .query_id(&query_id)
            .send()
            .await
            .map_err(from_sdk("logs:GetQueryResults"))?;
        let status = out.status().cloned().unwrap_or(QueryStatus::UnknownValue);
        let done = matches!(
            status,
            QueryStatus::Complete
                | QueryStatus::Failed
                | QueryStatus::Cancelled
                | QueryStatus::Timeout
        );
        if done || started.elapsed() >= q.max_wait || cancelled() {
            if !done {
                // Best effort: a query left running costs money; moto lacks StopQuery.
                let _ = client.stop_query().query_id(&query_id).send().await;
            }
            if cancelled() {
                return Err(AwsError {
                    kind: Kind::Timeout,
                    message: "the logs query was cancelled".into(),
                });
            }
            let rows: Vec<LogRow> = out
                .results()
                .iter()
                .take(q.limit.max(0) as usize)
                .map(|fields| LogRow {
                    fields: fields
                        .iter()
                        .filter(|f| f.field() != Some("@ptr"))
                        .map(|f| {
                            (
                                f.field().unwrap_or_default().to_string(),
                                f.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect(),
                })
                .collect();
            let truncated = !done || out.results().len() >= q.limit.max(0) as usize;
            ids.extend(
                aws_sdk_cloudwatchlogs::operation::RequestId::request_id(&out).map(str::to_string),
            );
            return Ok((
                LogsResult {
                    log_group: q.log_group.to_string(),
                    query_id,
                    status: if done {
                        status.as_str().to_string()
                    } else {
                        "Running (wait longer: pass query_id)".to_string()
                    },
                    query: text,
                    rows,
                    truncated,
                },
                ids,
            ));
        }
        progress(started.elapsed().as_secs());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// FilterLogEvents with a plain term, newest or oldest first, capped.
async fn filter(client: &Client, q: &Query<'_>) -> AwsResult<(LogsResult, Vec<String>)> {
    let term = q.filter_term.clone().unwrap_or_default();
    let out = client
        .filter_log_events()
        .log_group_name(q.log_group)
        .start_time(q.start * 1000)
        .end_time(q.end * 1000)
        .filter_pattern(format!("\"{}\"", term.replace('"', "")))
        .limit(q.limit.clamp(1, 10_000))
        .send()
        .await
        .map_err(from_sdk("logs:FilterLogEvents"))?;
    let mut rows: Vec<(i64, LogRow)> = out
        .events()
        .iter()
        .map(|e| {
            let ts = e.timestamp().unwrap_or_default();
            let mut fields = std::collections::BTreeMap::new();
            fields.insert(
                "@timestamp".to_string(),
                super::audit::rfc3339((ts / 1000).max(0) as u64, (ts % 1000).max(0) as u32),
            );
            fields.insert(
                "@message".to_string(),
                e.message().unwrap_or_default().to_string(),
            );
            fields.insert(
                "@logStream".to_string(),
                e.log_stream_name().unwrap_or_default().to_string(),
            );
            (ts, LogRow { fields })
        })
        .collect();
    rows.sort_by_key(|(ts, _)| *ts);
    if !q.oldest_first {
        rows.reverse();
    }
    let truncated = out.next_token().is_some() || rows.len() >= q.limit.max(0) as usize;
    let ids = aws_sdk_cloudwatchlogs::operation::RequestId::request_id(&out)
        .map(str::to_string)
        .into_iter()
        .collect();
    Ok((
        LogsResult {
            log_group: q.log_group.to_string(),
            query_id: "filter".to_string(),
            status: "Complete".to_string(),
            query: format!("FilterLogEvents \"{term}\""),
            rows: rows
                .into_iter()
                .map(|(_, r)| r)
                .take(q.limit.max(0) as usize)
                .collect(),
            truncated,
        },
        ids,
    ))
}

/// Parses a time: `now`, a relative `-15m` / `-2h` / `-1d` / `-30s`, unix
/// seconds, or RFC 3339 UTC (`2026-11-21T10:00:00Z`). Returns unix seconds.
pub fn parse_time(text: &str, now: i64) -> Result<i64, String> {
    let t = text.trim();
    if t == "now" {
        return Ok(now);
    }
    if let Some(rel) = t.strip_prefix('-') {
        let (num, unit) = rel.split_at(rel.len().saturating_sub(1));
        let n: i64 = num
            .parse()
            .map_err(|_| format!("`{t}`: expected -<number><s|m|h|d>, e.g. -15m"))?;
        let secs = match unit {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86_400,
            _ => return Err(format!("`{t}`: unit must be s, m, h or d")),
        };
        return Ok(now - secs);
    }
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    parse_rfc3339(t).ok_or_else(|| {
        format!(
            "`{t}` is not a time: use now, -15m, -2h, -1d, unix seconds or 2026-11-21T10:00:00Z"
        )
    })
}

fn parse_rfc3339(t: &str) -> Option<i64> {
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let time = time.split('.').next()?;
    let mut h = time.split(':').map(|p| p.parse::<i64>());
    let (hh, mm, ss) = (
        h.next()?.ok()?,
        h.next()?.ok()?,
        h.next().unwrap_or(Ok(0)).ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = crate::corpus::provenance::days_from_civil(y, m, day);
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_every_form() {
        let now = 1_795_000_000;
        assert_eq!(parse_time("now", now), Ok(now));
        assert_eq!(parse_time("-15m", now), Ok(now - 900));
        assert_eq!(parse_time("-2h", now), Ok(now - 7200));
        assert_eq!(parse_time("1700000000", now), Ok(1_700_000_000));
        assert_eq!(parse_time("2026-11-18T11:06:40Z", now), Ok(1_795_000_000));
        assert_eq!(parse_time("2000-02-29T00:00:00.5Z", now), Ok(951_782_400));
        assert!(
            parse_time("yesterday", now)
                .unwrap_err()
                .contains("not a time")
        );
        assert!(parse_time("-5w", now).is_err());
    }

    #[test]
    fn first_fault_reads_oldest_first() {
        assert!(
            Preset::FirstFault
                .query("g", 0, 1, 10, Duration::from_secs(1))
                .oldest_first
        );
        assert!(
            Preset::Errors
                .insights()
                .contains("messageType = \"ERROR\"")
        );
    }
}
