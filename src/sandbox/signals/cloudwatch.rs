//! Private to the sandbox: CloudWatch calls (GetMetricData, ListMetrics,
//! DescribeAlarms) on `AWS/KinesisAnalytics`, turned into our own shapes.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::{
    Client,
    operation::RequestId,
    primitives::DateTime,
    types::{Dimension, DimensionFilter, Metric, MetricAlarm, MetricDataQuery, MetricStat, ScanBy},
};

use super::{
    catalog::{MetricDef, Scope, period_for},
    summary::summarize,
    types::{AlarmView, Series, Skipped},
};
use crate::sandbox::{
    audit::rfc3339,
    errors::{AwsResult, from_sdk},
};

/// The namespace of every MSF metric.
pub const NAMESPACE: &str = "AWS/KinesisAnalytics";

/// Most series one metric may expand to when its dimensions are discovered.
const MAX_DISCOVERED: usize = 10;

/// GetMetricData takes at most 500 queries a call.
const MAX_QUERIES: usize = 500;

/// One series to fetch: a metric, its extra dimensions, statistic and period.
struct Wanted {
    def: MetricDef,
    extra: BTreeMap<String, String>,
    period: i32,
}

/// Reads `defs` for application `app` between `start` and `end` (unix s).
/// Discovered metrics are expanded with ListMetrics first; a metric with no
/// series is reported in the second list.
pub async fn read(
    client: &Client,
    app: &str,
    defs: &[MetricDef],
    start: i64,
    end: i64,
) -> AwsResult<(Vec<Series>, Vec<Skipped>, Vec<String>)> {
    let mut ids = Vec::new();
    let mut wanted = Vec::new();
    let mut skipped = Vec::new();
    for def in defs {
        let period = period_for(def, end - start);
        if def.scope == Scope::Application {
            wanted.push(Wanted {
                def: *def,
                extra: BTreeMap::new(),
                period,
            });
            continue;
        }
        let (sets, i) = list(client, app, def.name).await?;
        ids.extend(i);
        if sets.is_empty() {
            skipped.push(Skipped {
                metric: def.name.to_string(),
                reason: "not published for this application (ListMetrics found no series); it appears only while the job runs and, for lag, with a source that reports it".into(),
            });
        }
        for extra in sets.into_iter().take(MAX_DISCOVERED) {
            wanted.push(Wanted {
                def: *def,
                extra,
                period,
            });
        }
    }
    let mut series = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(MAX_QUERIES) {
        let (mut s, i) = fetch(client, app, chunk, start, end).await?;
        series.append(&mut s);
        ids.extend(i);
    }
    Ok((series, skipped, ids))
}

/// The extra dimension sets (besides `Application`) of `metric`'s series.
async fn list(
    client: &Client,
    app: &str,
    metric: &str,
) -> AwsResult<(Vec<BTreeMap<String, String>>, Vec<String>)> {
    let out = client
        .list_metrics()
        .namespace(NAMESPACE)
        .metric_name(metric)
        .dimensions(
            DimensionFilter::builder()
                .name("Application")
                .value(app)
                .build(),
        )
        .send()
        .await
        .map_err(from_sdk("cloudwatch:ListMetrics"))?;
    let mut sets: Vec<BTreeMap<String, String>> = out
        .metrics()
        .iter()
        .map(|m| {
            m.dimensions()
                .iter()
                .filter(|d| d.name() != Some("Application"))
                .map(|d| {
                    (
                        d.name().unwrap_or_default().to_string(),
                        d.value().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .collect();
    sets.sort();
    sets.dedup();
    Ok((
        sets,
        out.request_id().map(str::to_string).into_iter().collect(),
    ))
}

/// One GetMetricData call (paged) for up to 500 series.
async fn fetch(
    client: &Client,
    app: &str,
    wanted: &[Wanted],
    start: i64,
    end: i64,
) -> AwsResult<(Vec<Series>, Vec<String>)> {
    let queries: Vec<MetricDataQuery> = wanted
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut metric = Metric::builder()
                .namespace(NAMESPACE)
                .metric_name(w.def.name)
                .dimensions(Dimension::builder().name("Application").value(app).build());
            for (k, v) in &w.extra {
                metric = metric.dimensions(Dimension::builder().name(k).value(v).build());
            }
            MetricDataQuery::builder()
                .id(format!("m{i}"))
                .metric_stat(
                    MetricStat::builder()
                        .metric(metric.build())
                        .period(w.period)
                        .stat(w.def.stat)
                        .build(),
                )
                .return_data(true)
                .build()
        })
        .collect();
    let mut points: Vec<Vec<(i64, f64)>> = vec![Vec::new(); wanted.len()];
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    // Bounded: 360 points a series fit in a few pages; stop after 10.
    for _ in 0..10 {
        let out = client
            .get_metric_data()
            .set_metric_data_queries(Some(queries.clone()))
            .start_time(DateTime::from_secs(start))
            .end_time(DateTime::from_secs(end))
            .scan_by(ScanBy::TimestampAscending)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(from_sdk("cloudwatch:GetMetricData"))?;
        ids.extend(out.request_id().map(str::to_string));
        for r in out.metric_data_results() {
            let Some(i) = r
                .id()
                .and_then(|id| id.strip_prefix('m'))
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|i| *i < points.len())
            else {
                continue;
            };
            points[i].extend(
                r.timestamps()
                    .iter()
                    .map(|t| t.secs())
                    .zip(r.values().iter().copied()),
            );
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let series = wanted
        .iter()
        .zip(points)
        .map(|(w, mut p)| {
            // Oldest first, whatever order the service used.
            p.sort_by_key(|(t, _)| *t);
            p.dedup_by_key(|(t, _)| *t);
            let (times, values): (Vec<i64>, Vec<f64>) = p.into_iter().unzip();
            Series {
                metric: w.def.name.to_string(),
                stat: w.def.stat.to_string(),
                period_s: w.period,
                unit: w.def.unit.to_string(),
                dimensions: w.extra.clone(),
                summary: summarize(&times, &values),
                times,
                values,
            }
        })
        .collect();
    Ok((series, ids))
}

/// The alarms on `app`'s metrics in `AWS/KinesisAnalytics` (plain and metric math).
pub async fn alarms(client: &Client, app: &str) -> AwsResult<(Vec<AlarmView>, Vec<String>)> {
    let mut found = Vec::new();
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    // Bounded: 20 pages of 100 alarms.
    for _ in 0..20 {
        let out = client
            .describe_alarms()
            .max_records(100)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(from_sdk("cloudwatch:DescribeAlarms"))?;
        ids.extend(out.request_id().map(str::to_string));
        found.extend(out.metric_alarms().iter().filter_map(|a| view(a, app)));
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    found.sort_by(|a: &AlarmView, b| a.name.cmp(&b.name));
    Ok((found, ids))
}

/// Returns true if and only if `metric` is an MSF metric of application `app`.
fn of_app(namespace: Option<&str>, dims: &[Dimension], app: &str) -> bool {
    namespace == Some(NAMESPACE)
        && dims
            .iter()
            .any(|d| d.name() == Some("Application") && d.value() == Some(app))
}

/// Our view of `a` when it watches a metric of `app`.
fn view(a: &MetricAlarm, app: &str) -> Option<AlarmView> {
    let plain = of_app(a.namespace(), a.dimensions(), app);
    let math: Vec<&MetricDataQuery> = a
        .metrics()
        .iter()
        .filter(|q| {
            q.metric_stat()
                .and_then(|s| s.metric())
                .is_some_and(|m| of_app(m.namespace(), m.dimensions(), app))
        })
        .collect();
    if !plain && math.is_empty() {
        return None;
    }
    let mut metrics: Vec<String> = a.metric_name().map(str::to_string).into_iter().collect();
    metrics.extend(
        math.iter()
            .filter_map(|q| q.metric_stat()?.metric()?.metric_name().map(str::to_string)),
    );
    Some(AlarmView {
        name: a.alarm_name().unwrap_or_default().to_string(),
        state: a
            .state_value()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        metrics,
        statistic: a.statistic().map(|s| s.as_str().to_string()),
        comparison: a
            .comparison_operator()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        threshold: a.threshold(),
        period_s: a.period(),
        expressions: a
            .metrics()
            .iter()
            .filter_map(|q| q.expression().map(str::to_string))
            .collect(),
        state_updated: a
            .state_updated_timestamp()
            .map(|t| rfc3339(t.secs().max(0) as u64, 0)),
    })
}
