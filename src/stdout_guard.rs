//! Standard output for the MCP stdio transport, ending the process when the
//! client has gone: a write that fails because the reading end is closed
//! (broken pipe) means nobody will ever read another answer, so the server
//! stops instead of logging a broken pipe per response.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use tokio::io::AsyncWrite;

/// Wraps the process's stdout.
#[derive(Debug)]
pub struct GuardedStdout {
    inner: tokio::io::Stdout,
}

impl Default for GuardedStdout {
    fn default() -> GuardedStdout {
        GuardedStdout {
            inner: tokio::io::stdout(),
        }
    }
}

/// Stops the process when the client closed its end of stdout.
fn check<T>(result: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
    if let Poll::Ready(Err(e)) = &result
        && e.kind() == io::ErrorKind::BrokenPipe
    {
        tracing::warn!("stdout closed by the client; stopping");
        std::process::exit(0);
    }
    result
}

impl AsyncWrite for GuardedStdout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        check(Pin::new(&mut self.inner).poll_write(cx, buf))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        check(Pin::new(&mut self.inner).poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        check(Pin::new(&mut self.inner).poll_shutdown(cx))
    }
}
