//! AWS SDK failures sorted into an [`AwsError`] the caller can act on, with
//! the IAM action that was refused. The sorted type lives below the sandbox,
//! in [`crate::error::aws`], so that the crate's error type wraps it without
//! depending on the sandbox.

use std::fmt;

use aws_sdk_kinesisanalyticsv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

pub use crate::error::aws::{AwsError, AwsResult, Kind};

/// Error codes recognised in an error's text when its metadata lacks the code.
const KNOWN_CODES: &[&str] = &[
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ConcurrentModificationException",
    "InvalidApplicationConfigurationException",
    "InvalidArgumentException",
    "InvalidRequestException",
    "LimitExceededException",
    "UnsupportedOperationException",
    "CodeValidationException",
    "TooManyTagsException",
];

/// Maps an SDK error of the call that needs IAM action `action` (e.g. `kinesisanalytics:StartApplication`).
pub fn from_sdk<E, R>(action: &'static str) -> impl Fn(SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    move |err| classify(action, &err)
}

fn classify<E, R>(action: &str, err: &SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let full = format!("{}", DisplayErrorContext(err));
    // The context ends in a Debug dump of the error in parentheses: keep the sentence.
    let detail = full.split(" (").next().unwrap_or(&full).to_string();
    let lower = detail.to_lowercase();
    // Modeled errors may carry their code only in their type name.
    let code = match err.code() {
        Some(c) => c.to_string(),
        None => KNOWN_CODES
            .iter()
            .find(|c| detail.contains(*c))
            .map(|c| c.to_string())
            .unwrap_or_default(),
    };
    let message = err.message().unwrap_or_default().to_string();
    let (kind, text) = match err {
        SdkError::TimeoutError(_) => (Kind::Timeout, format!("{action} timed out; try again, or raise the timeout")),
        _ if code.contains("Throttl") || code == "TooManyRequestsException" || code == "LimitExceededException" && lower.contains("rate") => (
            Kind::Throttled,
            format!("{action} was throttled by AWS ({code}) after retries; wait a little and try again"),
        ),
        _ if code == "ExpiredTokenException" || code == "ExpiredToken" || lower.contains("expired") && lower.contains("token") => (
            Kind::Credentials,
            "the AWS credentials have expired: refresh them (for SSO: `aws sso login --profile <profile>`) and call again; no restart is needed".to_string(),
        ),
        _ if code == "UnrecognizedClientException" || code == "InvalidClientTokenId" || code == "InvalidSignatureException" || lower.contains("no credentials") || lower.contains("credentials provider") || lower.contains("failed to load credentials") => (
            Kind::Credentials,
            "no valid AWS credentials: set a profile (`aws configure` or `aws sso login --profile <profile>`), environment credentials, or a role".to_string(),
        ),
        _ if code == "AccessDeniedException" || code == "AccessDenied" || code == "UnauthorizedOperation" => (
            Kind::AccessDenied,
            format!(
                "access denied: the caller lacks IAM permission `{action}`{}; {message}",
                if action.starts_with("kinesisanalytics:") {
                    " (IAM uses the `kinesisanalytics:` prefix even for the v2 API)"
                } else {
                    ""
                }
            ),
        ),
        _ if code == "ResourceNotFoundException" => (Kind::NotFound, format!("not found: {message}: check the name and the region (`msf-mcp apps list` or msf_list_applications lists the applications)")),
        _ if code == "ResourceInUseException" || code == "ConcurrentModificationException" || code == "InvalidApplicationConfigurationException" => (
            Kind::InvalidState,
            format!("the application's state does not allow this now ({code}): {message}; describe it and retry when its status allows"),
        ),
        _ if code == "InvalidArgumentException" || code == "InvalidRequestException" || code == "ValidationException" || code == "InvalidParameterException" => {
            (Kind::Invalid, format!("AWS refused the request ({code}): {message}"))
        }
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            if lower.contains("credential") {
                (
                    Kind::Credentials,
                    format!(
                        "no usable AWS credentials ({detail}): run `aws configure` or `aws sso login --profile <profile>`, or set AWS_PROFILE / AWS_ACCESS_KEY_ID; no restart is needed"
                    ),
                )
            } else {
                (Kind::Unavailable, format!("AWS could not be reached or answered unexpectedly for {action}: {detail}"))
            }
        }
        SdkError::ConstructionFailure(_) if lower.contains("credential") || lower.contains("region") => (
            Kind::Credentials,
            format!("AWS is not configured: {detail}; set AWS_REGION / AWS_PROFILE or pass `region` / `profile`"),
        ),
        _ if code.is_empty() => (Kind::Unavailable, format!("{action} failed: {detail}")),
        _ => (Kind::Invalid, format!("{action} failed ({code}): {message}")),
    };
    AwsError {
        kind,
        message: text,
    }
}
