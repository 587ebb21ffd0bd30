//! The library's one error type.
//!
//! Variants exist where a caller handles them differently: `InvalidInput` and
//! `NotFound` are the caller's to fix and are shown to the model as tool errors;
//! `Index`, `Io` and `Corpus` are faults of this installation.
//!
//! [`aws::AwsError`] is an AWS failure sorted into what the caller can act on.
//! It lives here, at the bottom of the crate, so that [`Error`] can wrap it
//! while the sandbox (which makes the calls and sorts the SDK's errors)
//! depends on this module and never the other way round.

use std::path::PathBuf;

pub mod aws;

/// Everything that can go wrong inside msf-mcp's library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was malformed: the message says what was wrong and what to do.
    #[error("{0}")]
    InvalidInput(String),
    /// A reference or section that the corpus does not hold.
    #[error("{0}")]
    NotFound(String),
    /// Policy, a gate or the person refused the action: the message names the rule.
    #[error("{0}")]
    Denied(String),
    /// The audit log could not record the call: the message says whether the
    /// call was sent (it never is when its attempt record is missing).
    #[error("{0}")]
    Audit(String),
    /// An AWS call failed; the message says what to do.
    // Transparent: the message is the AwsError's own, printed once (with
    // `{0}` and a source, `{:#}` printed it twice).
    #[error(transparent)]
    Aws(#[from] aws::AwsError),
    /// The references could not be loaded.
    #[error("references: {0}")]
    Corpus(String),
    /// The search index failed to build, open or answer.
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Returns true if and only if the caller (user or model) can fix this by
    /// changing the request, as opposed to a fault of the installation.
    pub fn is_caller_error(&self) -> bool {
        matches!(
            self,
            Error::InvalidInput(_)
                | Error::NotFound(_)
                | Error::Denied(_)
                | Error::Aws(_)
                | Error::Audit(_)
        )
    }
}

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
