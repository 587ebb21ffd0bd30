//! Chinese → English glossary of MSF and Flink terms.
//!
//! The references are written in English; a question typed in Chinese is
//! widened with the English terms of the glossary entries it contains, so
//! `检查点超时` also searches for `checkpoint timeout`. CJK bigrams still match
//! the Chinese keywords that references list in their front matter.

/// (Chinese term, English terms). Longer terms first where one contains another.
const GLOSSARY: &[(&str, &str)] = &[
    ("托管服务", "managed service"),
    ("托管 Flink", "Managed Service for Apache Flink MSF"),
    ("托管Flink", "Managed Service for Apache Flink MSF"),
    ("增量检查点", "incremental checkpoint"),
    ("非对齐检查点", "unaligned checkpoint"),
    ("检查点间隔", "CheckpointInterval checkpoint interval"),
    ("检查点超时", "checkpoint timeout expired"),
    ("检查点", "checkpoint"),
    ("保存点", "savepoint snapshot"),
    ("快照", "snapshot"),
    ("状态后端", "state backend RocksDB"),
    ("状态生存时间", "state TTL StateTtlConfig"),
    ("状态过期", "state TTL"),
    ("状态", "state"),
    ("并行度", "parallelism"),
    ("最大并行度", "max parallelism"),
    ("算子链", "operator chaining"),
    ("算子", "operator"),
    ("反压", "backpressure"),
    ("背压", "backpressure"),
    ("自动扩缩容", "autoscaling AutoScalingEnabled"),
    ("自动伸缩", "autoscaling"),
    ("扩缩容", "scaling scale autoscaling"),
    ("扩容", "scale out"),
    ("缩容", "scale in"),
    ("重启循环", "restart loop"),
    ("不断重启", "restart loop fullRestarts"),
    ("重启", "restart"),
    ("回滚", "rollback RollbackApplication"),
    (
        "原地升级",
        "in-place upgrade UpdateApplication RuntimeEnvironmentUpdate",
    ),
    ("原地", "in-place"),
    ("升级", "upgrade"),
    ("迁移", "migration"),
    ("版本", "version"),
    (
        "运行时属性",
        "runtime properties EnvironmentProperties PropertyGroups",
    ),
    ("属性组", "property group PropertyGroups"),
    ("环境属性", "EnvironmentProperties"),
    ("控制平面", "control plane"),
    ("数据平面", "data plane"),
    ("作业图", "job graph"),
    ("作业", "job"),
    ("任务管理器", "TaskManager"),
    ("作业管理器", "JobManager"),
    ("数据倾斜", "skew hot key"),
    ("倾斜", "skew"),
    ("热点键", "hot key"),
    ("水位线", "watermark"),
    ("水印", "watermark"),
    ("窗口", "window"),
    ("序列化", "serialization serializer"),
    ("反序列化", "deserialization"),
    ("依赖", "dependency Maven"),
    ("打包", "shade package JAR"),
    ("本地开发", "local development IDE"),
    ("本地测试", "local test"),
    ("本地", "local"),
    ("监控", "monitoring CloudWatch metrics"),
    ("指标", "metric metrics"),
    ("告警", "alarm"),
    ("报警", "alarm"),
    ("日志级别", "LogLevel log level"),
    ("日志组", "log group"),
    ("日志", "log logging"),
    ("定价", "pricing price cost"),
    ("价格", "price cost"),
    ("费用", "cost pricing"),
    ("成本", "cost"),
    ("计费", "billing pricing"),
    ("收费", "pricing cost charge billing"),
    ("账单", "bill billing cost"),
    ("存储", "storage"),
    ("保留状态", "keep state restore snapshot"),
    ("保留", "keep retain"),
    ("配额", "quota Service Quotas"),
    ("限制", "limit"),
    ("上限", "limit maximum"),
    ("权限", "permission IAM"),
    ("角色", "role IAM"),
    ("信任策略", "trust policy"),
    ("策略", "policy"),
    ("网络", "network VPC"),
    ("子网", "subnet VPC"),
    ("安全组", "security group VPC"),
    ("弹性网卡", "ENI"),
    ("内存不足", "OutOfMemoryError memory"),
    ("内存溢出", "OutOfMemoryError"),
    ("内存", "memory heap"),
    ("垃圾回收", "GC garbage collection"),
    ("堆内存", "heap memory heapMemoryUtilization"),
    ("延迟", "latency lag millisBehindLatest"),
    ("积压", "lag backlog"),
    ("吞吐量", "throughput"),
    ("吞吐", "throughput"),
    ("分片", "shard"),
    ("分区", "partition"),
    ("增强型扇出", "enhanced fan-out EFO"),
    ("增强扇出", "enhanced fan-out EFO"),
    ("扇出", "fan-out"),
    ("消费者", "consumer"),
    ("生产者", "producer"),
    ("数据流", "data stream Kinesis"),
    ("限流", "throttling ProvisionedThroughputExceededException"),
    ("节流", "throttling"),
    ("连接器", "connector"),
    ("源", "source"),
    ("数据源", "source"),
    ("接收器", "sink"),
    ("输出", "sink output"),
    ("数据湖", "data lake Iceberg"),
    ("小文件", "small files compaction"),
    ("合并", "compaction"),
    ("压缩", "compaction"),
    ("表维护", "table maintenance"),
    ("快照过期", "expire snapshots"),
    ("目录", "catalog"),
    ("变更数据捕获", "CDC change data capture"),
    ("增量同步", "incremental CDC binlog"),
    ("全量", "snapshot phase full"),
    ("二进制日志", "binlog"),
    ("部署", "deploy deployment"),
    ("基础设施即代码", "IaC infrastructure as code"),
    ("流水线", "pipeline CI/CD"),
    ("启动", "start StartApplication"),
    ("停止", "stop StopApplication"),
    ("强制停止", "force stop"),
    ("删除", "delete"),
    ("更新", "update UpdateApplication"),
    ("创建", "create CreateApplication"),
    ("故障", "failure fault"),
    ("根因", "root cause"),
    ("根本原因", "root cause"),
    ("排查", "troubleshoot diagnose"),
    ("诊断", "diagnose"),
    ("异常", "exception"),
    ("报错", "error exception"),
    ("错误", "error"),
    ("失败", "failed failure"),
    ("超时", "timeout"),
    ("心跳", "heartbeat"),
    ("最佳实践", "best practices"),
    ("反模式", "anti-pattern"),
    ("架构", "architecture"),
    ("资源", "resource"),
    ("调优", "tuning"),
    ("优化", "optimization tuning"),
    ("估算", "estimate sizing"),
    ("规格", "sizing"),
    ("吞吐估算", "sizing throughput"),
    ("幂等", "idempotent"),
    ("精确一次", "exactly-once EXACTLY_ONCE"),
    ("至少一次", "at-least-once"),
    ("容错", "fault tolerance"),
    ("恢复", "restore recovery"),
    ("仪表板", "dashboard"),
    ("控制台", "console"),
    ("可观测性", "observability monitoring"),
];

/// English abbreviations and their long forms, matched as whole words in
/// either direction (`EFO` finds `enhanced fan-out` and back).
const SYNONYMS: &[(&str, &str)] = &[
    ("efo", "enhanced fan-out"),
    ("oom", "OutOfMemoryError"),
    ("cfn", "CloudFormation"),
    ("iac", "infrastructure as code"),
];

/// Returns the English terms for every glossary entry and synonym found in
/// `text`, joined with spaces (empty when there is none).
pub fn expand(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut out = String::new();
    for (short, long) in SYNONYMS {
        if has_word(&lower, short) && !lower.contains(&long.to_lowercase()) {
            out.push(' ');
            out.push_str(long);
        } else if lower.contains(&long.to_lowercase()) && !has_word(&lower, short) {
            out.push(' ');
            out.push_str(short);
        }
    }
    if text.is_ascii() {
        return out;
    }
    for (zh, en) in GLOSSARY {
        if text.contains(zh) {
            out.push(' ');
            out.push_str(en);
        }
    }
    out
}

/// Returns true if and only if `word` occurs in `text` between non-alphanumeric characters.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
            && !text[at + word.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn abbreviations_and_long_forms_find_each_other() {
        assert!(expand("Should I turn on EFO?").contains("enhanced fan-out"));
        assert!(expand("what does enhanced fan-out cost").contains("efo"));
        assert_eq!(expand("before the checkpoint"), "");
    }

    #[test]
    fn widens_chinese_questions_with_english_terms() {
        let e = expand("检查点超时了怎么办");
        assert!(e.contains("checkpoint timeout"), "{e}");
        assert!(expand("并行度").contains("parallelism"));
        assert_eq!(expand("plain English words"), "");
    }

    #[test]
    fn a_log_is_a_log_not_cloudwatch() {
        // 日志 says where the user saw something, like "logs" in English: it
        // must not also pull in CloudWatch, which a Chinese OOM question
        // quoting its logs then routed to logging-configuration.md first.
        let e = expand("日志里看到 OutOfMemoryError");
        assert!(e.contains("log"), "{e}");
        assert!(!e.to_lowercase().contains("cloudwatch"), "{e}");
        assert!(expand("CloudWatch 日志组").contains("log group"));
    }
}
