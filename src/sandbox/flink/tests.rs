//! Mapping MSF answers to our types; the change calls' requests.

use super::*;

#[test]
fn log_stream_arns_split_into_group_and_stream() {
    assert_eq!(
        split_log_stream_arn(
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/kinesis-analytics/app:log-stream:kinesis-analytics-log-stream"
        ),
        (
            Some("/aws/kinesis-analytics/app".into()),
            Some("kinesis-analytics-log-stream".into())
        )
    );
    assert_eq!(split_log_stream_arn("nonsense"), (None, None));
}

#[test]
fn kpus_include_the_orchestration_kpu() {
    let k = Kpus::of(8, 2);
    assert_eq!((k.compute, k.total), (4, 5));
    // 5 KPUs × $0.11 × 730 h + 4 × 50 GB × $0.10 (us-east-1, facts.toml).
    assert_eq!(k.monthly_usd, 421.5);
    assert_eq!((k.storage_gb, k.prices_region.as_str()), (200, "us-east-1"));
    assert_eq!(Kpus::of(5, 4).compute, 2);
}
