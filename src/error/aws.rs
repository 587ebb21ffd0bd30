//! AWS failures sorted into what the caller can act on, each with a clear
//! message: throttling, expired or missing credentials, access denied (with
//! the IAM action), not found, invalid state, timeouts, unreachable endpoints.
//!
//! Only the sorted result lives here, below everything (so the crate's
//! [`Error`](super::Error) can wrap it); the sorting of AWS SDK errors is the
//! sandbox's (`sandbox::errors`), the one module that speaks to the SDK.

use std::fmt;

/// What kind of AWS failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Rate limited even after retries.
    Throttled,
    /// Credentials missing, expired or invalid.
    Credentials,
    /// IAM refused the call.
    AccessDenied,
    /// The application, snapshot or log group does not exist.
    NotFound,
    /// The resource is in a state that forbids the call (e.g. not RUNNING), or changed concurrently.
    InvalidState,
    /// The request was invalid.
    Invalid,
    /// The call timed out.
    Timeout,
    /// The endpoint could not be reached or answered garbage.
    Unavailable,
}

/// A failed AWS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The kind, for callers that branch on it.
    pub kind: Kind,
    /// What happened and what to do.
    pub message: String,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    /// A not-found error.
    pub fn not_found(message: String) -> AwsError {
        AwsError {
            kind: Kind::NotFound,
            message,
        }
    }

    /// An invalid-request error.
    pub fn invalid(message: String) -> AwsError {
        AwsError {
            kind: Kind::Invalid,
            message,
        }
    }
}

/// Result of an AWS call.
pub type AwsResult<T> = Result<T, AwsError>;
