//! Private to the sandbox: AWS SDK configuration, built per call so that
//! credentials are re-resolved each time (an `aws sso login` is picked up
//! without a restart) and the call's audit id rides in the user agent.

use std::time::Duration;

use aws_config::{
    AppName, BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig,
};
use aws_sdk_kinesisanalyticsv2::config::{Credentials, SharedHttpClient, SharedInterceptor};

/// How to reach AWS; resolved once at start-up from the environment.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// Endpoint override for every service (`AWS_ENDPOINT_URL` is honoured by the SDK too).
    pub endpoint_url: Option<String>,
    /// Fixed credentials (tests against emulators); `None` uses the default chain.
    pub static_credentials: Option<(String, String)>,
    /// Default region when neither the call nor the environment names one.
    pub default_region: Option<String>,
    /// Attempts per call, retries with backoff included (1 = no retry).
    pub max_attempts: u32,
    /// Limit on one call, including retries.
    pub operation_timeout: Duration,
    /// Test hook: an HTTP client that replaces the network for every service,
    /// and interceptors for the MSF client (aws-smithy-mocks rules).
    pub test_hooks: Option<TestHooks>,
}

/// See [`AwsSettings::test_hooks`].
#[derive(Debug, Clone)]
pub struct TestHooks {
    /// Replaces the network.
    pub http_client: SharedHttpClient,
    /// Added to the MSF (kinesisanalyticsv2) client.
    pub msf_interceptors: Vec<SharedInterceptor>,
    /// Added to the STS client that assumes the MFA-backed apply role.
    pub sts_interceptors: Vec<SharedInterceptor>,
    /// Added to the CloudWatch (metrics and alarms) client.
    pub cloudwatch_interceptors: Vec<SharedInterceptor>,
}

impl AwsSettings {
    /// Production defaults: the default chain, 3 attempts, 30 s per call.
    pub fn standard() -> AwsSettings {
        AwsSettings {
            max_attempts: 3,
            operation_timeout: Duration::from_secs(30),
            ..AwsSettings::default()
        }
    }
}

/// Loads the SDK configuration for one call.
pub async fn config(
    settings: &AwsSettings,
    profile: Option<&str>,
    region: Option<&str>,
    audit_id: &str,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(settings.operation_timeout)
                .connect_timeout(Duration::from_secs(5))
                .build(),
        );
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region.or(settings.default_region.as_deref()) {
        loader = loader.region(Region::new(r.to_string()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url.clone());
    }
    if let Some((id, secret)) = &settings.static_credentials {
        loader = loader.credentials_provider(Credentials::new(
            id.clone(),
            secret.clone(),
            None,
            None,
            "msf-mcp-static",
        ));
    }
    if let Some(hooks) = &settings.test_hooks {
        loader = loader.http_client(hooks.http_client.clone());
    }
    // The audit id joins CloudTrail entries (userAgent) back to the audit log.
    if let Ok(name) = AppName::new(format!("msf-mcp-{audit_id}")) {
        loader = loader.app_name(name);
    }
    loader.load().await
}

/// The MSF client for `config`, with the test interceptors when set.
pub fn msf_client(
    settings: &AwsSettings,
    config: &SdkConfig,
) -> aws_sdk_kinesisanalyticsv2::Client {
    let mut builder = aws_sdk_kinesisanalyticsv2::config::Builder::from(config);
    if let Some(hooks) = &settings.test_hooks {
        for i in &hooks.msf_interceptors {
            builder.push_interceptor(i.clone());
        }
    }
    aws_sdk_kinesisanalyticsv2::Client::from_conf(builder.build())
}

/// The CloudWatch client for `config`, with the test interceptors when set.
pub fn cloudwatch_client(settings: &AwsSettings, config: &SdkConfig) -> aws_sdk_cloudwatch::Client {
    let mut builder = aws_sdk_cloudwatch::config::Builder::from(config);
    if let Some(hooks) = &settings.test_hooks {
        for i in &hooks.cloudwatch_interceptors {
            builder.push_interceptor(i.clone());
        }
    }
    aws_sdk_cloudwatch::Client::from_conf(builder.build())
}

/// `config` with the credentials of `role_arn`, assumed with the person's
/// MFA `code` for 15 minutes (session named after the audit id).
pub async fn assume_with_mfa(
    settings: &AwsSettings,
    config: &SdkConfig,
    mfa: &super::policy::MfaApply,
    code: &str,
    audit_id: &str,
) -> super::errors::AwsResult<SdkConfig> {
    let mut builder = aws_sdk_sts::config::Builder::from(config);
    if let Some(hooks) = &settings.test_hooks {
        for i in &hooks.sts_interceptors {
            builder.push_interceptor(i.clone());
        }
    }
    let sts = aws_sdk_sts::Client::from_conf(builder.build());
    let out = sts
        .assume_role()
        .role_arn(&mfa.role_arn)
        .role_session_name(format!("msf-mcp-{audit_id}"))
        .serial_number(&mfa.serial)
        .token_code(code)
        .duration_seconds(900)
        .send()
        .await
        .map_err(super::errors::from_sdk("sts:AssumeRole"))?;
    let creds = out.credentials().ok_or_else(|| {
        super::errors::AwsError::invalid(
            "sts:AssumeRole returned no credentials; nothing was changed".into(),
        )
    })?;
    let credentials = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_string()),
        None,
        "msf-mcp-mfa",
    );
    Ok(config
        .to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            credentials,
        ))
        .build())
}
